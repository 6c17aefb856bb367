package config

import (
	"strings"
	"testing"
)

// FuzzParse checks that decoding and validating any document never panics, and that every
// error names the file.
func FuzzParse(f *testing.F) {
	f.Add([]byte(ExampleConfig))
	f.Add([]byte("[robots.ops]\nwebhook = \"tok\"\nsecret = \"SECx\"\nkeywords = [\"a\"]\n[[contacts]]\nname = \"A\"\nmobile = \"+852-1234\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse("fuzz.toml", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.toml:") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		c := &Config{Path: "fuzz.toml"}
		if err := c.build(file); err == nil {
			for _, r := range c.Robots {
				if _, err := r.Endpoint(); err != nil {
					t.Fatalf("robot %q passed validation with a bad webhook: %v", r.Name, err)
				}
			}
		}
	})
}
