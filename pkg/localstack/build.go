package localstack

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// BuildFunctions builds every function the stack runs, the resumer
// included, for this machine into dir/<name>/bootstrap, as `make
// build-host` does. root is the module's root folder.
func BuildFunctions(root, dir string) error {
	for _, fn := range append(Functions[:len(Functions):len(Functions)], ResumeFunction) {
		cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", filepath.Join(dir, fn, "bootstrap"), "./functions/"+fn)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("build %s: %v\n%s", fn, err, out)
		}
	}
	return nil
}
