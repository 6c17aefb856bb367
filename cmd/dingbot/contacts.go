package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/mattn/go-runewidth"
	"github.com/spf13/cobra"

	"github.com/dingbot/dingbot/dingtalk"
	"github.com/dingbot/dingbot/dingtalk/match"
)

// exitNoMatch is dingbot contacts' exit code when its query matches nobody, as grep's.
const exitNoMatch = 1

func newContactsCmd(g *globalFlags, s streams) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "contacts [query]",
		Short: "List the contacts you can mention by name (--at-name), or find them",
		Long: `List the [[contacts]] of the config: the names --at-name takes, with their mobiles and userIds.

With a query (its words joined by spaces), only the contacts it matches, best first: a name in
any case and without accents (muller or mueller finds Müller), its pinyin in full, by syllable
beginnings or by initials (zhangwei, zhang wei, zhangw and zw find 张伟), a mobile however it is
written (+86 138-0000-0000) or a userId. Exits 1 when nothing matches.

--json prints a JSON array of {name, mobile, user_id} (empty when nothing matches).`,
		Example: `  dingbot contacts
  dingbot contacts zw
  dingbot contacts zhang wei
  dingbot contacts "+86 138 0000 0000"
  dingbot contacts --json`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := loadApp(cmd.Context(), *g, false)
			if err != nil {
				return err
			}
			all := a.cfg.Contacts
			if asJSON && len(all) == 0 {
				if err := writeJSON(s.out, []contactJSON{}); err != nil {
					return err
				}
			}
			if len(all) == 0 {
				fmt.Fprintf(s.err, "no contacts in %s: add [[contacts]] entries with name, mobile and/or user_id\n", a.configPath)
				return nil
			}
			query := strings.TrimSpace(strings.Join(args, " "))
			found := findContacts(all, query)
			if asJSON {
				out := make([]contactJSON, len(found))
				for i, c := range found {
					out[i] = contactJSON{Name: c.Name, Mobile: c.Mobile, UserID: c.UserID}
				}
				if err := writeJSON(s.out, out); err != nil {
					return err
				}
			}
			if len(found) == 0 {
				fmt.Fprintf(s.err, "no contact matches %q (%d in the config): run dingbot contacts without a query to list them all\n", dingtalk.MaskSecretLike(query), len(all))
				return exitError{code: exitNoMatch}
			}
			if asJSON {
				return nil
			}
			rows := [][]string{{"NAME", "MOBILE", "USER ID"}}
			for _, c := range found {
				rows = append(rows, []string{c.Name, dash(c.Mobile), dash(c.UserID)})
			}
			_, err = io.WriteString(s.out, table(rows))
			return err
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON array: name, mobile, user_id")
	return cmd
}

// contactJSON is one contact in dingbot contacts --json.
type contactJSON struct {
	Name   string `json:"name"`
	Mobile string `json:"mobile,omitempty"`
	UserID string `json:"user_id,omitempty"`
}

// findContacts returns the contacts query matches, best first; all of them, in order, for an
// empty query.
func findContacts(all dingtalk.Contacts, query string) dingtalk.Contacts {
	keys := make([]match.Key, len(all))
	for i, c := range all {
		keys[i] = match.NewKey(c.Name, c.Mobile, c.UserID)
	}
	order := match.Rank(query, keys)
	found := make(dingtalk.Contacts, len(order))
	for j, i := range order {
		found[j] = all[i]
	}
	return found
}

// table lines rows up in columns two cells apart, measured in terminal cells: a Chinese name is
// twice as wide as its count of characters (text/tabwriter counts characters).
func table(rows [][]string) string {
	var widths []int
	for _, row := range rows {
		for i, cell := range row {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], runewidth.StringWidth(cell))
		}
	}
	var b strings.Builder
	for _, row := range rows {
		for i, cell := range row {
			b.WriteString(cell)
			if i < len(row)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-runewidth.StringWidth(cell)+2))
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
