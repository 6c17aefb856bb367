package mcp

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/dingbot/dingbot/dingtalk/sandbox"
)

// TestBinaryPromptsIncludeUserTemplates: dingbot --mcp offers the templates beside its config
// as prompts, with the config's contacts, and logs (never prints) a broken one.
func TestBinaryPromptsIncludeUserTemplates(t *testing.T) {
	b := newBinEnv(t, sandbox.Options{})
	dir := filepath.Join(filepath.Dir(b.cfgPath), "templates")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "deploy.toml"), []byte("description = \"A deploy\"\nmsgtype = \"text\"\ntext = \"deploying {{ .service }} {{ mention .owner }}\"\n[[vars]]\nname = \"service\"\nrequired = true\n[[vars]]\nname = \"owner\"\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "broken.toml"), []byte("msgtype = \"text\"\ntext = \"{{ .x }}\"\n"), 0o600)

	c, stderr := b.stdioClient(t)
	list, err := c.ListPrompts(t.Context(), mcpgo.ListPromptsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range list.Prompts {
		names = append(names, p.Name)
	}
	if got := strings.Join(names, " "); !strings.Contains(got, "deploy") || !strings.Contains(got, "alert-firing") || strings.Contains(got, "broken") {
		t.Errorf("prompts = %s", got)
	}
	res, err := c.GetPrompt(t.Context(), mcpgo.GetPromptRequest{Params: mcpgo.GetPromptParams{Name: "deploy", Arguments: map[string]string{"service": "api", "owner": "Alice"}}})
	if err != nil {
		t.Fatal(err)
	}
	text := res.Messages[0].Content.(mcpgo.TextContent).Text
	for _, want := range []string{"send_text_message", `"text": "deploying api @13800000000"`, `"atMobiles": [`} {
		if !strings.Contains(text, want) {
			t.Errorf("prompt lacks %q:\n%s", want, text)
		}
	}
	if !strings.Contains(stderr.String(), "broken.toml") {
		t.Errorf("the broken template is not logged:\n%s", stderr.String())
	}
}
