"""Offboarding Jane Doe, in Python, on the generated SDK of the native marin-social provider."""

import pulumi
import pulumi_marin_social as marin_social

JANE_LEFT = "Jane Doe left the company (HR-1234)"

# Jane's Facebook page for Acme Coffee. The guard: if Marin Social shows it linked to any other
# agency than these three, nothing changes and the run fails, naming the difference.
acme_coffee = marin_social.PublisherToken(
    "acme-coffee",
    account_id="fb-1001",
    publisher=marin_social.Publisher.FACEBOOK,
    valid=False,
    reason=JANE_LEFT,
    expect_agencies=["ag-east", "ag-north", "ag-south"],
)

# Her Twitter account for Acme Coffee: every linked agency is unlinked.
marin_social.PublisherToken("acme-coffee-twitter", account_id="tw-2001", valid=False, reason=JANE_LEFT)

# Already revoked by hand in the web UI: adopted, recorded as revoked outside Pulumi.
marin_social.PublisherToken("granite-fitness", account_id="fb-1007", valid=False)

# Stays valid. If someone revokes it outside Pulumi, refresh shows it as drift and up refuses.
marin_social.PublisherToken("blue-harbor", account_id="fb-1002", valid=True)

# Jane's other account, looked up live (the getAccount invoke).
blue_harbor = marin_social.get_account(account_id="fb-1002")

pulumi.export("cutOff", acme_coffee.unlinked_agencies.apply(lambda agencies: [a.id for a in agencies]))
pulumi.export("blueHarborValid", blue_harbor.valid)
pulumi.export("blueHarborAgencies", [a.id for a in blue_harbor.linked_agencies])
