package checklist

import (
	"bytes"
	_ "embed"
)

// SchemaID is the $id of the published JSON Schema.
const SchemaID = "https://appliance-intake.example/schema/checklist.json"

//go:embed schema.json
var schemaJSON []byte

// Schema returns the checklist's JSON Schema (draft 2020-12). Its field
// titles and descriptions are written to be shown beside form fields. It
// covers each field's shape; the cross-field rules live in Validate.
// The result is a copy, so callers may modify it.
func Schema() []byte {
	return bytes.Clone(schemaJSON)
}
