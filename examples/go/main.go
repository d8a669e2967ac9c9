// A Pulumi Go program on the generated Go SDK (sdk/go): two tokens, one cut off with a reason,
// and the getAccount invoke. The plugin is the repository's (see Pulumi.yaml).
package main

import (
	"github.com/marin-social/pulumi-marin-social/sdk/go/marinsocial"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		acme, err := marinsocial.NewPublisherToken(ctx, "acme", &marinsocial.PublisherTokenArgs{
			AccountId: pulumi.String("fb-1001"),
			Valid:     pulumi.Bool(false),
			Reason:    pulumi.String("Acme's contract ended"),
		})
		if err != nil {
			return err
		}
		if _, err := marinsocial.NewPublisherToken(ctx, "blue", &marinsocial.PublisherTokenArgs{
			AccountId: pulumi.String("fb-1002"),
			Valid:     pulumi.Bool(true),
		}); err != nil {
			return err
		}
		twitter := marinsocial.GetAccountOutput(ctx, marinsocial.GetAccountOutputArgs{AccountId: pulumi.String("tw-2001")})
		ctx.Export("cutOff", acme.UnlinkedAgencies.ApplyT(func(agencies []marinsocial.Agency) []string {
			ids := make([]string, len(agencies))
			for i, a := range agencies {
				ids[i] = a.Id
			}
			return ids
		}))
		ctx.Export("twitterValid", twitter.Valid())
		return nil
	})
}
