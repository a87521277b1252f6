package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// SigningKeyLength is the length of the generated approval link key
// (letters and digits only, so about 380 bits).
const SigningKeyLength = 64

// NewSigningKey creates the secret that signs approval links: a random
// value Secrets Manager generates at creation (it never appears in the
// template), kept when the stack is deleted so links stay verifiable.
// Grant it with secret.GrantRead to the functions that sign or check links.
func NewSigningKey(scope constructs.Construct, id string) awssecretsmanager.Secret {
	secret := awssecretsmanager.NewSecret(scope, jsii.String(id), &awssecretsmanager.SecretProps{
		Description: jsii.String("Appliance Intake: key that signs approval links (HMAC); read by the intake and notify functions"),
		GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
			PasswordLength:     jsii.Number(SigningKeyLength),
			ExcludePunctuation: jsii.Bool(true),
		},
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	suppress(secret, "AwsSolutions-SMG4",
		"No automatic rotation by design: every outstanding approval link is signed with this key, and a rotation would invalidate "+
			"them all mid-gate (an approval may wait up to approvalTimeoutDays). Rotate it by hand between install waves, when no approval is pending.")
	return secret
}
