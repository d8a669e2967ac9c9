// One PublisherToken per entry of tokens.yaml; `pulumi preview` logs the agencies each one cuts off.
const { declaredStack } = require("pulumi-marin-social");

module.exports = () => declaredStack({ file: "tokens.yaml" });
