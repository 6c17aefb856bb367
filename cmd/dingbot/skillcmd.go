package main

import (
	_ "embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
)

// skillMD is the Agent Skill that `dingbot skill` prints: it teaches an agent to use
// `dingbot send … --json` from a shell. TestSkillFlagsExist keeps it true to the send command.
//
//go:embed skill/SKILL.md
var skillMD string

func newSkillCmd(s streams) *cobra.Command {
	var dir string
	var force bool
	cmd := &cobra.Command{
		Use:   "skill",
		Short: "Print an Agent Skill (SKILL.md) that teaches an agent to use dingbot send",
		Long: `Print an Agent Skill: a SKILL.md, with name and description front matter, that teaches an AI
agent to post to DingTalk groups with 'dingbot send … --json' from a shell. It is for agents that
prefer skills to MCP (dingbot --mcp); both reach the same robots.

--install DIR writes it to DIR/dingbot/SKILL.md, creating the directories, and prints the path.
An existing file is replaced only with --force.`,
		Example: `  dingbot skill > SKILL.md
  dingbot skill --install ~/.claude/skills        # for every project of this user (Claude Code)
  dingbot skill --install .claude/skills          # for this project only`,
		Args: subcommandArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dir == "" {
				if force {
					return usagef("--force goes with --install DIR")
				}
				_, err := fmt.Fprint(s.out, skillMD)
				return err
			}
			path, err := installSkill(dir, force)
			if err != nil {
				return err
			}
			fmt.Fprintln(s.out, path)
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "install", "", "write the skill to DIR/dingbot/SKILL.md instead of printing it")
	cmd.Flags().BoolVar(&force, "force", false, "with --install: replace an existing SKILL.md")
	return cmd
}

// installSkill writes the skill to dir/dingbot/SKILL.md and returns that path, absolute. A
// leading ~ in dir is the home directory, for a shell that left it (--install=~/…).
func installSkill(dir string, force bool) (string, error) {
	if dir == "~" || strings.HasPrefix(dir, "~/") {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("--install %s: %w", dir, err)
		}
		dir = filepath.Join(home, dir[1:])
	}
	path, err := filepath.Abs(filepath.Join(dir, "dingbot", "SKILL.md"))
	if err != nil {
		return "", fmt.Errorf("--install %s: %w", dir, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", fmt.Errorf("--install: %w", err)
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if force {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return "", usagef("%s already exists: pass --force to replace it", path)
	}
	if err != nil {
		return "", fmt.Errorf("--install: %w", err)
	}
	if _, err := f.WriteString(skillMD); err != nil {
		f.Close()
		return "", fmt.Errorf("--install: write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("--install: write %s: %w", path, err)
	}
	return path, nil
}
