package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/cpuguy83/go-md2man/v2/md2man"
	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
	"github.com/spf13/pflag"
)

// newManCmd is `dingbot man`: the manual page, generated from the commands themselves.
func newManCmd(s streams) *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "man",
		Short: "Write dingbot's manual page (every command, flag and environment variable)",
		Long: `dingbot man writes the manual page dingbot(1) to standard output: every command with its
flags, and the environment variables (dingbot help environment). Read it with

  dingbot man | man -l -

or install it for man dingbot:

  mkdir -p ~/.local/share/man/man1 && dingbot man > ~/.local/share/man/man1/dingbot.1

With --dir DIR it writes instead one page per command into DIR (dingbot.1, dingbot-send.1, …),
as packages install them.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			root := cmd.Root()
			if dir != "" {
				if err := os.MkdirAll(dir, 0o755); err != nil {
					return fmt.Errorf("man: %w", err)
				}
				h := manHeader()
				if err := doc.GenManTree(root, &h, dir); err != nil {
					return fmt.Errorf("man: write the pages: %w", err)
				}
				fmt.Fprintf(s.err, "dingbot: wrote the manual pages to %s\n", dir)
				return nil
			}
			return writeManPage(s.out, root)
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "", "write one page per command into this directory instead")
	return cmd
}

// manHeader is the .TH of the pages. The date follows SOURCE_DATE_EPOCH when set (reproducible
// builds), as cobra does.
func manHeader() doc.GenManHeader {
	return doc.GenManHeader{Section: "1", Source: "dingbot " + manVersion(buildVersion()), Manual: "dingbot manual"}
}

// writeManPage writes dingbot(1): one page for every command under root.
func writeManPage(w io.Writer, root *cobra.Command) error {
	root.InitDefaultHelpCmd()
	root.InitDefaultHelpFlag()
	date := time.Now()
	if epoch := os.Getenv("SOURCE_DATE_EPOCH"); epoch != "" {
		var sec int64
		if _, err := fmt.Sscan(epoch, &sec); err != nil {
			return usagef("SOURCE_DATE_EPOCH %q: give seconds since 1970", epoch)
		}
		date = time.Unix(sec, 0).UTC()
	}
	h := manHeader()
	var b bytes.Buffer
	fmt.Fprintf(&b, "%% \"DINGBOT\" \"%s\" \"%s\" \"%s\" \"%s\"\n", h.Section, date.Format("Jan 2006"), h.Source, h.Manual)
	fmt.Fprintf(&b, "# NAME\ndingbot \\- %s\n\n", manEscape(root.Short))
	fmt.Fprintf(&b, "# SYNOPSIS\n**%s**\n\n**dingbot** *command* [*flags*]\n\n", manEscape(root.UseLine()))
	b.WriteString("# DESCRIPTION\n")
	b.WriteString(manText(root.Long))
	manFlags(&b, "# OPTIONS\n", root.NonInheritedFlags())
	b.WriteString("# COMMANDS\n")
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			if !sub.IsAvailableCommand() || sub.IsAdditionalHelpTopicCommand() {
				continue
			}
			fmt.Fprintf(&b, "### %s\n", manEscape(sub.CommandPath()))
			fmt.Fprintf(&b, "**%s**\n\n", manEscape(sub.UseLine()))
			text := sub.Long
			if text == "" {
				text = sub.Short
			}
			b.WriteString(manText(text))
			if sub.Example != "" {
				fmt.Fprintf(&b, "Examples:\n\n```\n%s\n```\n\n", strings.Trim(sub.Example, "\n"))
			}
			manFlags(&b, "", sub.NonInheritedFlags())
			walk(sub)
		}
	}
	walk(root)
	manFlags(&b, "# OPTIONS OF EVERY COMMAND\n", root.PersistentFlags())
	b.WriteString("# ENVIRONMENT\n")
	for _, v := range envVars {
		fmt.Fprintf(&b, "**%s**\n: %s", manEscape(v.name), manEscape(v.meaning))
		if v.library {
			b.WriteString(" (read by the Go runtime or a library dingbot uses)")
		}
		fmt.Fprintf(&b, " Affects: %s.\n\n", manEscape(strings.Join(v.affects, ", ")))
	}
	b.WriteString("# SEE ALSO\n**dingbot help environment**, **dingbot COMMAND --help**; the README at https://github.com/dingbot/dingbot\n")
	_, err := io.WriteString(w, roffASCII(string(md2man.Render(b.Bytes()))))
	return err
}

// roffASCII writes each character beyond ASCII (…, “, 钉) as a troff escape (\[u2026]): groff
// without preconv, mandoc and the BSDs' man read only ASCII input.
func roffASCII(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x80 {
			b.WriteRune(r)
			continue
		}
		fmt.Fprintf(&b, "\\[u%04X]", r)
	}
	return b.String()
}

// manFlags writes flags as a definition list under title (none when there are no flags).
func manFlags(b *bytes.Buffer, title string, flags *pflag.FlagSet) {
	if !flags.HasAvailableFlags() {
		return
	}
	b.WriteString(title)
	flags.VisitAll(func(f *pflag.Flag) {
		if f.Hidden || f.Deprecated != "" {
			return
		}
		name := "--" + f.Name
		if f.Shorthand != "" && f.ShorthandDeprecated == "" {
			name = "-" + f.Shorthand + ", " + name
		}
		if typ, _ := pflag.UnquoteUsage(f); typ != "" {
			name += " " + typ
		}
		usage := f.Usage
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "[]" && f.DefValue != "0" {
			usage += " (default " + f.DefValue + ")"
		}
		fmt.Fprintf(b, "**%s**\n: %s\n\n", manEscape(name), manEscape(usage))
	})
}

// manText turns a command's help text into markdown for md2man: paragraphs as prose, and a
// paragraph with indented lines (a table of commands, an example) kept as it is written.
func manText(s string) string {
	var b strings.Builder
	for _, para := range strings.Split(strings.Trim(s, "\n"), "\n\n") {
		para = strings.Trim(para, "\n")
		if para == "" {
			continue
		}
		indented := false
		for _, line := range strings.Split(para, "\n") {
			if strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t") {
				indented = true
			}
		}
		if indented {
			fmt.Fprintf(&b, "```\n%s\n```\n\n", para)
		} else {
			fmt.Fprintf(&b, "%s\n\n", manEscape(para))
		}
	}
	return b.String()
}

// manEscape keeps md2man from reading markdown in plain text.
func manEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("\\`*_[]<>#|~", r) {
			b.WriteRune('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// manVersion is the version the page's footer names: a release tag (v1.2.0), or "dev" for a
// build from a clone, whose pseudo-version (v0.0.0-20261202053243-b97b0f7…) would run into the
// footer's date at 80 columns.
func manVersion(v string) string {
	if i := strings.IndexByte(v, '+'); i > 0 {
		v = v[:i]
	}
	if len(v) > 16 {
		return "dev"
	}
	return v
}
