package inventory

import (
	"os/exec"
	"strings"
	"testing"
)

// The SDK's service/backup and service/dlm build their whole service
// models at package init: importing either links it (with the schema
// serde, 0.9 MB of the verify function, which must stay under 12 MiB).
// The collector reads Backup and DLM through pkg/awsrest instead; nothing
// the verify function or the intake CLI links may import them again.
func TestBinariesDoNotLinkBackupOrDLMSDK(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool")
	}
	for _, pkg := range []string{"github.com/psaas/appliance-intake/functions/verify", "github.com/psaas/appliance-intake/cmd/intake"} {
		cmd := exec.Command(goTool, "list", "-deps", "-tags", "lambda.norpc", pkg)
		cmd.Env = append(cmd.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list %s: %v", pkg, err)
		}
		for _, d := range strings.Fields(string(out)) {
			if strings.HasPrefix(d, "github.com/aws/aws-sdk-go-v2/service/backup") || strings.HasPrefix(d, "github.com/aws/aws-sdk-go-v2/service/dlm") {
				t.Errorf("%s links %s", pkg, d)
			}
		}
	}
}
