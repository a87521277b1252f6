package checklist

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

const (
	devP  = "environments.dev"
	prodP = "environments.prod"
)

func TestValidateAcceptsValidVariants(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(t *testing.T, d *Document)
	}{
		{"canonical", func(*testing.T, *Document) {}},
		{"prod certificate from ACM", func(_ *testing.T, d *Document) {
			d.Environments.Prod.Certificate = Certificate{AcmArn: "arn:aws:acm:us-east-1:222222222222:certificate/00000000-0000-0000-0000-000000000000"}
		}},
		{"dev may have a load balancer", func(_ *testing.T, d *Document) {
			d.Environments.Dev.LoadBalancerArn = "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/dev/0123456789abcdef"
		}},
		{"8-hex ids", func(_ *testing.T, d *Document) {
			d.Environments.Dev.AmiID = "ami-12345678"
			d.Environments.Dev.VpcID = "vpc-12345678"
			d.Environments.Dev.InstanceIDs = []string{"i-12345678"}
		}},
		{"role with a path", func(_ *testing.T, d *Document) {
			d.Environments.Dev.RoleArn = "arn:aws:iam::111111111111:role/service-role/Appliance.Verifier+1@x"
		}},
		{"four-part names", func(_ *testing.T, d *Document) {
			d.Environments.Dev.Hostnames = Hostnames{Manage: "manage.dev.example.com", Rta: "rta.dev.example.com", Webtask: "webtask.dev.example.com", Apps: []string{"app1.dev.example.com"}}
		}},
		{"short parent-domain labels (only the host label needs 3 characters)", func(_ *testing.T, d *Document) {
			d.Environments.Dev.Hostnames = Hostnames{Manage: "manage.acme.co.uk", Rta: "rta.acme.co.uk", Webtask: "webtask.acme.co.uk", Apps: []string{"app1.acme.co.uk"}}
		}},
		{"reserved word inside a longer app name", func(_ *testing.T, d *Document) {
			d.Environments.Prod.Hostnames.Apps = []string{"admin-acme.example.com", "api2.example.com", "www-portal.example.com"}
		}},
		{"manage field may use the manage label", func(_ *testing.T, d *Document) {
			d.Environments.Prod.Hostnames.Manage = "manage.example.com"
		}},
		{"50 apps", func(_ *testing.T, d *Document) {
			d.Environments.Prod.Hostnames.Apps = nil
			for i := range MaxApps {
				d.Environments.Prod.Hostnames.Apps = append(d.Environments.Prod.Hostnames.Apps, fmt.Sprintf("app%d-acme.example.com", i))
			}
		}},
		{"customer name of exactly 200 characters, multi-byte", func(_ *testing.T, d *Document) {
			d.Customer.Name = strings.Repeat("é", MaxNameLength)
		}},
		{"several contacts per team", func(_ *testing.T, d *Document) {
			d.Customer.Contacts = append(d.Customer.Contacts, Contact{Team: TeamSecurity, Name: "Sue Sec", Email: "first.last+tag@sub.example.co.uk"})
		}},
		{"jump host /24", func(_ *testing.T, d *Document) { d.Environments.Dev.JumpHostCidr = "203.0.113.0/24" }},
		{"jump host IPv6 /64", func(_ *testing.T, d *Document) { d.Environments.Dev.JumpHostCidr = "2001:db8:1:2::/64" }},
		{"jump host IPv6 /128", func(_ *testing.T, d *Document) { d.Environments.Dev.JumpHostCidr = "2001:db8::10/128" }},
		{"same account, different VPCs", func(_ *testing.T, d *Document) {
			p := d.Environments.Prod
			p.AccountID = "111111111111"
			p.RoleArn = "arn:aws:iam::111111111111:role/ApplianceIntakeVerifier"
			p.LoadBalancerArn = "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/appliance/0123456789abcdef"
		}},
		{"GovCloud partition", func(_ *testing.T, d *Document) {
			e := d.Environments.Dev
			e.Region = "us-gov-west-1"
			e.RoleArn = "arn:aws-us-gov:iam::111111111111:role/ApplianceIntakeVerifier"
			e.LoadBalancerArn = "arn:aws-us-gov:elasticloadbalancing:us-gov-west-1:111111111111:loadbalancer/net/dev/0123456789abcdef"
		}},
		{"PEM with CRLF line endings", func(_ *testing.T, d *Document) {
			d.Environments.Dev.Certificate.PEM = strings.ReplaceAll(d.Environments.Dev.Certificate.PEM, "\n", "\r\n")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := validDoc(t)
			tt.mutate(t, d)
			if errs := d.Validate(); len(errs) > 0 {
				t.Errorf("unexpected errors: %v", errs)
			}
		})
	}
}

func TestValidateRules(t *testing.T) {
	type mut = func(d *Document)
	dev := func(f func(e *Environment)) mut { return func(d *Document) { f(d.Environments.Dev) } }
	prod := func(f func(e *Environment)) mut { return func(d *Document) { f(d.Environments.Prod) } }
	longLabel := strings.Repeat("a", 64)
	tests := []struct {
		name   string
		mutate mut
		field  string
		want   string // substring of the message
	}{
		// customer
		{"customer missing", func(d *Document) { d.Customer = Customer{} }, "customer", "is required"},
		{"customer name blank", func(d *Document) { d.Customer.Name = "   " }, "customer.name", "is required"},
		{"customer name too long", func(d *Document) { d.Customer.Name = strings.Repeat("x", 201) }, "customer.name", "at most 200"},
		{"no contacts", func(d *Document) { d.Customer.Contacts = nil }, "customer.contacts", "is required"},
		{"too many contacts", func(d *Document) {
			for range MaxContacts {
				d.Customer.Contacts = append(d.Customer.Contacts, d.Customer.Contacts[0])
			}
		}, "customer.contacts", "at most 50"},
		{"unknown team", func(d *Document) { d.Customer.Contacts[0].Team = "devops" }, "customer.contacts[0].team", "must be one of infrastructure, security, networking, operations"},
		{"team missing from a contact", func(d *Document) { d.Customer.Contacts[0].Team = "" }, "customer.contacts[0].team", "is required"},
		{"a team without contact", func(d *Document) { d.Customer.Contacts[2].Team = TeamSecurity }, "customer.contacts", "missing: networking"},
		{"contact name blank", func(d *Document) { d.Customer.Contacts[2].Name = "" }, "customer.contacts[2].name", "is required"},
		{"contact name too long", func(d *Document) { d.Customer.Contacts[2].Name = strings.Repeat("x", 201) }, "customer.contacts[2].name", "at most 200"},
		{"email blank", func(d *Document) { d.Customer.Contacts[1].Email = " " }, "customer.contacts[1].email", "is required"},
		{"email without @", func(d *Document) { d.Customer.Contacts[1].Email = "sam.example.com" }, "customer.contacts[1].email", "such as ida@example.com"},
		{"email with display name", func(d *Document) { d.Customer.Contacts[1].Email = "Sam <sam@example.com>" }, "customer.contacts[1].email", "plain email address"},
		{"email without dot in domain", func(d *Document) { d.Customer.Contacts[1].Email = "sam@localhost" }, "customer.contacts[1].email", "plain email address"},
		{"email with trailing space", func(d *Document) { d.Customer.Contacts[1].Email = "sam@example.com " }, "customer.contacts[1].email", "spaces before or after"},

		// environments
		{"both environments missing", func(d *Document) { d.Environments = Environments{} }, "environments", "is required"},
		{"dev missing", func(d *Document) { d.Environments.Dev = nil }, devP, "single-node Development/Test"},
		{"prod missing", func(d *Document) { d.Environments.Prod = nil }, prodP, "three-node"},

		// account, region, ids
		{"account id blank", dev(func(e *Environment) { e.AccountID = "" }), devP + ".accountId", "is required"},
		{"account id 11 digits", dev(func(e *Environment) { e.AccountID = "11111111111" }), devP + ".accountId", "must be 12 digits, e.g. 111111111111"},
		{"account id with spaces around", dev(func(e *Environment) { e.AccountID = " 111111111111" }), devP + ".accountId", "spaces before or after"},
		{"hostname with spaces around", dev(func(e *Environment) { e.Hostnames.Rta = "rta-dev-acme.example.com " }), devP + ".hostnames.rta", "spaces before or after"},
		{"load balancer ARN blank", prod(func(e *Environment) { e.LoadBalancerArn = "  " }), prodP + ".loadBalancerArn", "is required"},
		{"account id with dashes", dev(func(e *Environment) { e.AccountID = "1111-1111-1111" }), devP + ".accountId", "12 digits"},
		{"region name instead of code", dev(func(e *Environment) { e.Region = "N. Virginia" }), devP + ".region", "such as us-east-1"},
		{"region uppercase", dev(func(e *Environment) { e.Region = "US-EAST-1" }), devP + ".region", "such as us-east-1"},
		{"ami id short", prod(func(e *Environment) { e.AmiID = "ami-123" }), prodP + ".amiId", "8 or 17 hex digits"},
		{"ami id uppercase", prod(func(e *Environment) { e.AmiID = "ami-0123456789ABCDEF0" }), prodP + ".amiId", "8 or 17 hex digits"},
		{"vpc id malformed", prod(func(e *Environment) { e.VpcID = "vpc-xyz" }), prodP + ".vpcId", "e.g. vpc-0123456789abcdef0"},
		{"vpc id blank", prod(func(e *Environment) { e.VpcID = "" }), prodP + ".vpcId", "is required"},

		// role
		{"role ARN garbage", dev(func(e *Environment) { e.RoleArn = "ApplianceIntakeVerifier" }), devP + ".roleArn", "such as arn:aws:iam::111111111111:role/ApplianceIntakeVerifier"},
		{"role ARN example uses the environment's account", prod(func(e *Environment) { e.RoleArn = "nope" }), prodP + ".roleArn", "arn:aws:iam::222222222222:role/"},
		{"role ARN is a user", dev(func(e *Environment) { e.RoleArn = "arn:aws:iam::111111111111:user/ida" }), devP + ".roleArn", "is an IAM user"},
		{"role ARN with a region", dev(func(e *Environment) { e.RoleArn = "arn:aws:iam:us-east-1:111111111111:role/X" }), devP + ".roleArn", "must be an IAM role ARN"},
		{"role in another account", prod(func(e *Environment) { e.RoleArn = "arn:aws:iam::111111111111:role/ApplianceIntakeVerifier" }), prodP + ".roleArn", "account 222222222222 (accountId), not 111111111111"},
		{"role partition does not match region", dev(func(e *Environment) { e.Region = "us-gov-west-1" }), devP + ".roleArn", "partition aws-us-gov"},

		// instances
		{"dev without instances", dev(func(e *Environment) { e.InstanceIDs = nil }), devP + ".instanceIds", "is required"},
		{"dev with two instances", dev(func(e *Environment) { e.InstanceIDs = append(e.InstanceIDs, "i-0aaaaaaaaaaaaaaa2") }), devP + ".instanceIds", "exactly 1 instance id, found 2"},
		{"prod with two instances", prod(func(e *Environment) { e.InstanceIDs = e.InstanceIDs[:2] }), prodP + ".instanceIds", "exactly 3 instance ids, found 2"},
		{"prod with four instances", prod(func(e *Environment) { e.InstanceIDs = append(e.InstanceIDs, "i-0bbbbbbbbbbbbbbb4") }), prodP + ".instanceIds", "three-node"},
		{"instance id blank", prod(func(e *Environment) { e.InstanceIDs[1] = "" }), prodP + ".instanceIds[1]", "is required"},
		{"instance id malformed", prod(func(e *Environment) { e.InstanceIDs[2] = "i-123" }), prodP + ".instanceIds[2]", "8 or 17 hex digits"},
		{"instance id duplicated", prod(func(e *Environment) { e.InstanceIDs[2] = e.InstanceIDs[0] }), prodP + ".instanceIds[2]", "duplicates instanceIds[0]"},
		{"prod reuses the dev instance", func(d *Document) { d.Environments.Prod.InstanceIDs[0] = d.Environments.Dev.InstanceIDs[0] }, prodP + ".instanceIds[0]", "also the dev instance"},

		// load balancer
		{"prod without load balancer", prod(func(e *Environment) { e.LoadBalancerArn = "" }), prodP + ".loadBalancerArn", "is required"},
		{"application load balancer", prod(func(e *Environment) {
			e.LoadBalancerArn = "arn:aws:elasticloadbalancing:us-east-1:222222222222:loadbalancer/app/appliance/0123456789abcdef"
		}), prodP + ".loadBalancerArn", "Application Load Balancer"},
		{"target group instead of load balancer", prod(func(e *Environment) {
			e.LoadBalancerArn = "arn:aws:elasticloadbalancing:us-east-1:222222222222:targetgroup/appliance/0123456789abcdef"
		}), prodP + ".loadBalancerArn", "target group"},
		{"classic load balancer", prod(func(e *Environment) {
			e.LoadBalancerArn = "arn:aws:elasticloadbalancing:us-east-1:222222222222:loadbalancer/appliance"
		}), prodP + ".loadBalancerArn", "not a Network Load Balancer"},
		{"load balancer ARN garbage", prod(func(e *Environment) { e.LoadBalancerArn = "appliance-nlb" }), prodP + ".loadBalancerArn", "Network Load Balancer ARN such as arn:aws:elasticloadbalancing:us-east-1:222222222222:loadbalancer/net/"},
		{"load balancer in another account", prod(func(e *Environment) {
			e.LoadBalancerArn = strings.Replace(e.LoadBalancerArn, "222222222222", "333333333333", 1)
		}), prodP + ".loadBalancerArn", "account 222222222222"},
		{"load balancer in another region", prod(func(e *Environment) {
			e.LoadBalancerArn = strings.Replace(e.LoadBalancerArn, "us-east-1", "eu-west-1", 1)
		}), prodP + ".loadBalancerArn", "region us-east-1, not eu-west-1"},
		{"dev load balancer is checked too", dev(func(e *Environment) {
			e.LoadBalancerArn = "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/app/dev/0123456789abcdef"
		}), devP + ".loadBalancerArn", "Application Load Balancer"},

		// jump host
		{"jump host blank", dev(func(e *Environment) { e.JumpHostCidr = "" }), devP + ".jumpHostCidr", "is required"},
		{"jump host without prefix", dev(func(e *Environment) { e.JumpHostCidr = "203.0.113.10" }), devP + ".jumpHostCidr", "203.0.113.10/32"},
		{"IPv6 jump host without prefix", dev(func(e *Environment) { e.JumpHostCidr = "2001:db8::10" }), devP + ".jumpHostCidr", "2001:db8::10/128"},
		{"jump host garbage", dev(func(e *Environment) { e.JumpHostCidr = "jump.example.com" }), devP + ".jumpHostCidr", "IPv4 or IPv6 CIDR"},
		{"jump host open to the world", dev(func(e *Environment) { e.JumpHostCidr = "0.0.0.0/0" }), devP + ".jumpHostCidr", "port 22 must be open only to the jump host"},
		{"jump host open to the IPv6 world", dev(func(e *Environment) { e.JumpHostCidr = "::/0" }), devP + ".jumpHostCidr", "whole internet"},
		{"jump host /23", dev(func(e *Environment) { e.JumpHostCidr = "203.0.112.0/23" }), devP + ".jumpHostCidr", "wider than /24"},
		{"jump host /8", dev(func(e *Environment) { e.JumpHostCidr = "10.0.0.0/8" }), devP + ".jumpHostCidr", "port 22 must be open only to the jump host"},
		{"jump host IPv6 /48", dev(func(e *Environment) { e.JumpHostCidr = "2001:db8::/48" }), devP + ".jumpHostCidr", "wider than /64"},
		{"jump host with host bits", dev(func(e *Environment) { e.JumpHostCidr = "203.0.113.10/24" }), devP + ".jumpHostCidr", "203.0.113.0/24"},

		// hostnames
		{"hostnames missing", dev(func(e *Environment) { e.Hostnames = Hostnames{} }), devP + ".hostnames", "is required"},
		{"manage blank", dev(func(e *Environment) { e.Hostnames.Manage = "" }), devP + ".hostnames.manage", "is required"},
		{"rta blank", dev(func(e *Environment) { e.Hostnames.Rta = " " }), devP + ".hostnames.rta", "Root Tenant Authority"},
		{"webtask blank", dev(func(e *Environment) { e.Hostnames.Webtask = "" }), devP + ".hostnames.webtask", "is required"},
		{"no apps", dev(func(e *Environment) { e.Hostnames.Apps = nil }), devP + ".hostnames.apps", "at least one App tenant"},
		{"too many apps", dev(func(e *Environment) {
			for i := range MaxApps {
				e.Hostnames.Apps = append(e.Hostnames.Apps, fmt.Sprintf("app%d-x.example.com", i))
			}
		}), devP + ".hostnames.apps", "at most 50"},
		{"app name blank", dev(func(e *Environment) { e.Hostnames.Apps = append(e.Hostnames.Apps, "") }), devP + ".hostnames.apps[1]", "is required"},
		{"underscore", dev(func(e *Environment) { e.Hostnames.Rta = "rta_dev.example.com" }), devP + ".hostnames.rta", "underscore"},
		{"uppercase", dev(func(e *Environment) { e.Hostnames.Rta = "RTA-dev.example.com" }), devP + ".hostnames.rta", "lowercase"},
		{"trailing dot", dev(func(e *Environment) { e.Hostnames.Rta = "rta-dev.example.com." }), devP + ".hostnames.rta", "dot"},
		{"wildcard", dev(func(e *Environment) { e.Hostnames.Rta = "*.example.com" }), devP + ".hostnames.rta", "not a wildcard"},
		{"URL", dev(func(e *Environment) { e.Hostnames.Rta = "https://rta-dev.example.com/" }), devP + ".hostnames.rta", "without scheme or path"},
		{"two parts", dev(func(e *Environment) { e.Hostnames.Rta = "example.com" }), devP + ".hostnames.rta", "three- or four-part"},
		{"five parts", dev(func(e *Environment) { e.Hostnames.Rta = "rta.a.b.example.com" }), devP + ".hostnames.rta", "has 5 parts"},
		{"host label of 2 characters", dev(func(e *Environment) { e.Hostnames.Apps[0] = "a1.example.com" }), devP + ".hostnames.apps[0]", "at least 3 characters"},
		{"label starting with a hyphen", dev(func(e *Environment) { e.Hostnames.Rta = "-rta.example.com" }), devP + ".hostnames.rta", "hyphen"},
		{"label ending with a hyphen", dev(func(e *Environment) { e.Hostnames.Rta = "rta.example-.com" }), devP + ".hostnames.rta", "hyphen"},
		{"label longer than 63", dev(func(e *Environment) { e.Hostnames.Rta = longLabel + ".example.com" }), devP + ".hostnames.rta", "63"},
		{"name longer than 253", dev(func(e *Environment) {
			l := longLabel[:63]
			e.Hostnames.Rta = l + "." + l + "." + l + "." + l
		}), devP + ".hostnames.rta", "at most 253"},
		{"empty label", dev(func(e *Environment) { e.Hostnames.Rta = "rta..example.com" }), devP + ".hostnames.rta", "empty labels"},
		{"numeric TLD", dev(func(e *Environment) { e.Hostnames.Rta = "rta.example.123" }), devP + ".hostnames.rta", "top-level domain"},
		{"non-ASCII", dev(func(e *Environment) { e.Hostnames.Rta = "rtä-dev.example.com" }), devP + ".hostnames.rta", "only lowercase letters"},
		{"space", dev(func(e *Environment) { e.Hostnames.Rta = "rta dev.example.com" }), devP + ".hostnames.rta", "only lowercase letters"},
		{"names under two parents", dev(func(e *Environment) { e.Hostnames.Webtask = "webtask-dev.example.net" }), devP + ".hostnames.webtask", "must be under example.com, like the manage name"},
		{"three- and four-part names mixed", dev(func(e *Environment) { e.Hostnames.Apps[0] = "app1.dev.example.com" }), devP + ".hostnames.apps[0]", "share one parent domain"},
		{"duplicate within an environment", dev(func(e *Environment) { e.Hostnames.Rta = e.Hostnames.Manage }), devP + ".hostnames.rta", "is the same as manage"},
		{"duplicate app", dev(func(e *Environment) { e.Hostnames.Apps = append(e.Hostnames.Apps, e.Hostnames.Apps[0]) }), devP + ".hostnames.apps[1]", "is the same as apps[0]"},
		{"name shared by dev and prod", func(d *Document) { d.Environments.Prod.Hostnames.Webtask = d.Environments.Dev.Hostnames.Webtask }, prodP + ".hostnames.webtask", "also used by dev (environments.dev.hostnames.webtask)"},
		{"app name shared by dev and prod", func(d *Document) {
			d.Environments.Prod.Hostnames.Apps = append(d.Environments.Prod.Hostnames.Apps, d.Environments.Dev.Hostnames.Apps[0])
		}, prodP + ".hostnames.apps[1]", "also used by dev"},

		// certificate
		{"no certificate", dev(func(e *Environment) { e.Certificate = Certificate{} }), devP + ".certificate", "is required"},
		{"blank certificate", dev(func(e *Environment) { e.Certificate = Certificate{PEM: "  \n"} }), devP + ".certificate", "is required"},
		{"pem and acmArn", prod(func(e *Environment) {
			e.Certificate.AcmArn = "arn:aws:acm:us-east-1:222222222222:certificate/00000000-0000-0000-0000-000000000000"
		}), prodP + ".certificate", "either pem or acmArn, not both"},
		{"acmArn garbage", prod(func(e *Environment) { e.Certificate = Certificate{AcmArn: "my-cert"} }), prodP + ".certificate.acmArn", "ACM certificate ARN such as arn:aws:acm:us-east-1:222222222222:certificate/"},
		{"acmArn in another account", prod(func(e *Environment) {
			e.Certificate = Certificate{AcmArn: "arn:aws:acm:us-east-1:111111111111:certificate/00000000-0000-0000-0000-000000000000"}
		}), prodP + ".certificate.acmArn", "account 222222222222"},
		{"acmArn in another region", prod(func(e *Environment) {
			e.Certificate = Certificate{AcmArn: "arn:aws:acm:eu-west-1:222222222222:certificate/00000000-0000-0000-0000-000000000000"}
		}), prodP + ".certificate.acmArn", "region us-east-1"},
		{"pem is not PEM", dev(func(e *Environment) { e.Certificate.PEM = "my certificate" }), devP + ".certificate.pem", "BEGIN CERTIFICATE"},
		{"pem holds a CSR", dev(func(e *Environment) {
			e.Certificate.PEM += "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n"
		}), devP + ".certificate.pem", "PEM block 3"},
		{"pem with a corrupt certificate", dev(func(e *Environment) {
			e.Certificate.PEM = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
		}), devP + ".certificate.pem", "PEM block 1 is not a valid X.509 certificate"},
		{"pem cut short", dev(func(e *Environment) { e.Certificate.PEM = e.Certificate.PEM[:len(e.Certificate.PEM)-30] }), devP + ".certificate.pem", "after PEM block 1"},
		{"pem with a private key", dev(func(e *Environment) {
			e.Certificate.PEM += "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n"
		}), devP + ".certificate.pem", "never send the private key"},
		{"pem over 64 KiB", dev(func(e *Environment) {
			e.Certificate.PEM = strings.Repeat(e.Certificate.PEM, MaxPEMBytes/len(e.Certificate.PEM)+1)
		}), devP + ".certificate.pem", "at most 65536 bytes"},
		{"same PEM certificate in dev and prod", func(d *Document) { d.Environments.Prod.Certificate = d.Environments.Dev.Certificate }, prodP + ".certificate", "same certificate as dev"},
		{"same leaf with another chain", func(d *Document) {
			d.Environments.Prod.Certificate.PEM = strings.SplitAfter(d.Environments.Dev.Certificate.PEM, "-----END CERTIFICATE-----\n")[0]
		}, prodP + ".certificate", "same certificate as dev"},
		{"same ACM certificate in dev and prod", func(d *Document) {
			arn := "arn:aws:acm:us-east-1:111111111111:certificate/00000000-0000-0000-0000-000000000000"
			d.Environments.Dev.Certificate = Certificate{AcmArn: arn}
			d.Environments.Prod.Certificate = Certificate{AcmArn: arn}
		}, prodP + ".certificate", "same ACM certificate"},

		// isolation
		{"same VPC, same account", func(d *Document) {
			p := d.Environments.Prod
			p.AccountID = "111111111111"
			p.RoleArn = "arn:aws:iam::111111111111:role/ApplianceIntakeVerifier"
			p.LoadBalancerArn = "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/appliance/0123456789abcdef"
			p.VpcID = d.Environments.Dev.VpcID
		}, prodP + ".vpcId", "must be a different VPC from dev: production and non-production need completely isolated networks"},
		{"same VPC id, different accounts", func(d *Document) { d.Environments.Prod.VpcID = d.Environments.Dev.VpcID }, prodP + ".vpcId", "completely isolated networks"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := validDoc(t)
			tt.mutate(d)
			errs := d.Validate()
			msg, ok := messageFor(errs, tt.field)
			if !ok {
				t.Fatalf("no error for %s; got %v", tt.field, errs)
			}
			if !strings.Contains(msg, tt.want) {
				t.Errorf("%s: message %q does not contain %q", tt.field, msg, tt.want)
			}
			if !isSorted(errs) {
				t.Errorf("errors not sorted by field: %v", fieldsOf(errs))
			}
			for _, e := range errs {
				if e.Message == "" {
					t.Errorf("empty message for %s", e.Field)
				}
			}
		})
	}
}

func TestValidateReservedAppNames(t *testing.T) {
	reserved := strings.Fields("login admin app manage blog ftp mail pop pop3 imap smtp stage stats status dev logs www docs sdk ci docker styleguide ask it cdn api releases release spf feedback help support int")
	if len(reserved) != len(reservedAppNames) {
		t.Fatalf("reserved list has %d names, requirement lists %d", len(reservedAppNames), len(reserved))
	}
	for _, name := range reserved {
		t.Run(name, func(t *testing.T) {
			if !IsReservedAppName(name) {
				t.Errorf("IsReservedAppName(%q) = false", name)
			}
			d := validDoc(t)
			// Pad short names so the 3-character rule does not mask the check.
			d.Environments.Prod.Hostnames.Apps = []string{name + ".example.com"}
			errs := d.Validate()
			msg, ok := messageFor(errs, prodP+".hostnames.apps[0]")
			if len(name) < MinHostLabelLength {
				if !ok || !strings.Contains(msg, "at least 3 characters") {
					t.Errorf("short reserved name %q: got %v", name, errs)
				}
				return
			}
			if !ok || !strings.Contains(msg, fmt.Sprintf("reserved App tenant name %q", name)) {
				t.Errorf("got %v", errs)
			}
		})
	}
}

// TestValidateReportsEverythingAtOnce breaks one thing in each area and
// expects all of them in a single call.
func TestValidateReportsEverythingAtOnce(t *testing.T) {
	d := validDoc(t)
	d.Customer.Name = ""
	d.Customer.Contacts[1].Email = "nope"
	d.Environments.Dev.AccountID = "1"
	d.Environments.Dev.Hostnames.Apps[0] = "www.example.com"
	d.Environments.Prod.InstanceIDs = d.Environments.Prod.InstanceIDs[:1]
	d.Environments.Prod.JumpHostCidr = "0.0.0.0/0"
	d.Environments.Prod.VpcID = d.Environments.Dev.VpcID
	d.Environments.Prod.Certificate = Certificate{}
	want := []string{
		"customer.contacts[1].email",
		"customer.name",
		devP + ".accountId",
		devP + ".hostnames.apps[0]",
		prodP + ".certificate",
		prodP + ".instanceIds",
		prodP + ".jumpHostCidr",
		prodP + ".vpcId",
	}
	if got := fieldsOf(d.Validate()); !reflect.DeepEqual(got, want) {
		t.Errorf("fields:\n got %v\nwant %v", got, want)
	}
}

// A wrong count of instance ids only gets per-item checks while the list is
// small, so a hostile list cannot flood the response.
func TestValidateBoundsHugeLists(t *testing.T) {
	d := validDoc(t)
	d.Environments.Prod.InstanceIDs = make([]string, 1000)
	d.Environments.Prod.Hostnames.Apps = make([]string, 1000)
	d.Customer.Contacts = make([]Contact, 1000)
	errs := d.Validate()
	if len(errs) > 10 {
		t.Errorf("%d errors for three oversized lists: %v", len(errs), fieldsOf(errs))
	}
	for _, f := range []string{"customer.contacts", prodP + ".instanceIds", prodP + ".hostnames.apps"} {
		if _, ok := messageFor(errs, f); !ok {
			t.Errorf("no error for %s", f)
		}
	}
}

func TestValidateNilDocument(t *testing.T) {
	var d *Document
	if errs := d.Validate(); len(errs) != 1 {
		t.Errorf("got %v", errs)
	}
}

func TestHostnameProblem(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"manage-acme.example.com", true},
		{"manage.acme.example.com", true},
		{"abc.example.io", true},
		{"app1.acme.co.uk", true},
		{"web.xn--p1ai.xn--p1ai", true},
		{"abc.example.c", false}, // one-letter TLD
		{"ab.example.com", false},
		{"abc.com", false},
		{"a.b.c.d.e", false},
		{"abc..com", false},
		{"abc.exa_mple.com", false},
		{"abc.example.com.", false},
	}
	for _, tt := range tests {
		if got := hostnameProblem(tt.name); (got == "") != tt.ok {
			t.Errorf("hostnameProblem(%q) = %q, want ok=%v", tt.name, got, tt.ok)
		}
	}
}

func TestTeamsReturnsACopy(t *testing.T) {
	a := Teams()
	a[0] = "x"
	if Teams()[0] != TeamInfrastructure {
		t.Error("Teams() shares its backing array")
	}
}
