import { PublisherToken } from "pulumi-marin-social";

// Jane Doe has left. Cut off the Facebook page she connected, but only if it is linked to exactly
// the agencies we reviewed: if Marin Social shows another agency, nothing changes for it and the run
// fails (the other tokens are still cut off).
const acme = new PublisherToken("acme-coffee", {
  accountId: "fb-1001",
  valid: false,
  publisher: "facebook",
  reason: "Jane Doe left the company (HR-1234)",
  expectAgencies: ["ag-east", "ag-north", "ag-south"],
});

// Her Twitter account goes too; no guard, every linked agency is unlinked.
const janeTweets = new PublisherToken("jane-tweets", {
  accountId: "tw-2001",
  valid: false,
  reason: "Jane Doe left the company (HR-1234)",
});

// This one must stay valid: if someone revokes it outside Pulumi, `pulumi preview` fails and says who.
const brand = new PublisherToken("brand-page", { accountId: "fb-1002", valid: true });

export const acmeCutOff = acme.unlinkedAgencies;
export const janeTweetsValid = janeTweets.valid;
export const brandAgencies = brand.linkedAgencies;
