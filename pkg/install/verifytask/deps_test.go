package verifytask_test

import (
	"os/exec"
	"strings"
	"testing"
)

// The verify function's binary must stay under the 12 MB Lambda target:
// it links six collector SDK services, STS and DynamoDB already. These
// packages serve only the notification step; importing any of them again
// (through pkg/install, pkg/awsx or pkg/notify) costs about 0.8 MB.
func TestVerifyFunctionDoesNotLinkNotificationPackages(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool")
	}
	cmd := exec.Command(goTool, "list", "-deps", "-tags", "lambda.norpc", "github.com/psaas/appliance-intake/functions/verify")
	cmd.Env = append(cmd.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	forbidden := []string{
		"github.com/aws/aws-sdk-go-v2/service/sesv2",
		"github.com/aws/aws-sdk-go-v2/service/secretsmanager",
		"github.com/aws/aws-sdk-go-v2/service/sfn",
		"github.com/psaas/appliance-intake/pkg/install",
		"github.com/psaas/appliance-intake/pkg/awsx",
		"github.com/psaas/appliance-intake/pkg/approval",
		"github.com/psaas/appliance-intake/pkg/notify",
		"html/template",
		"text/template",
	}
	deps := strings.Fields(string(out))
	for _, d := range deps {
		for _, f := range forbidden {
			if d == f {
				t.Errorf("functions/verify links %s", d)
			}
		}
	}
}
