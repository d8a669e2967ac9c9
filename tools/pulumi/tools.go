//go:build tools

// Package tools pins the Pulumi CLI we test against, the way Pulumi's own provider repositories
// pin theirs (tools as dependencies). `npm run pulumi:install` builds it, with the Node.js
// language host in cmd/pulumi-language-nodejs, into .tools/pulumi-<version>/bin.
// The YAML language host is pinned in ../pulumi-yaml (it needs an older pulumi pkg).
package tools

import (
	_ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
)
