// Preloaded (NODE_OPTIONS --require) into the processes the harness starts: exits the process
// once its parent (the test process) is gone, so a killed test worker leaves nothing running.
"use strict";
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(1);
}, 500).unref();
