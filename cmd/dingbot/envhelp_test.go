package main

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// dynamicEnvReads are the reads whose variable the user names, by file (from the module root)
// and the expression giving the name, each with its entry in envVars.
var dynamicEnvReads = map[string]string{
	"dingtalk/config/load.go: envName": "<secret_env>",
	"dingtalk/config/routes.go: env":   "<secret_env>",
	"cmd/dingbot/send.go: f.secretEnv": "<--secret-env>",
	"cmd/dingbot/sandboxcmd.go: name":  "<--secret-env>",
	"cmd/dingbot/httpcmd.go: name":     "<--http-token-env>",
}

// environUses are the files that may call os.Environ, and why it changes nothing help
// environment should list.
var environUses = map[string]string{
	"cmd/dingbot/completion.go": "offers the variables' names (never values) to complete --secret-env and --http-token-env",
}

// TestEnvironmentTopicListsEveryVariable reads the source of every package of this module that
// the dingbot binary links, finds each environment variable it reads (os.Getenv, os.LookupEnv, a
// getenv function handed os.Getenv, os.Environ), and fails on one `dingbot help environment`
// does not list, and on a listed one of dingbot's own the code no longer reads.
func TestEnvironmentTopicListsEveryVariable(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if .Module}}{{if .Module.Main}}{{.Dir}}{{end}}{{end}}", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	modRoot, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, v := range envVars {
		listed[v.name] = true
	}
	read := map[string]bool{} // variables the code reads, by name
	seenDynamic := map[string]bool{}
	fset := token.NewFileSet()
	dirs := strings.Fields(string(out))
	if len(dirs) < 5 {
		t.Fatalf("go list found %d packages of the module: %q", len(dirs), out)
	}
	// String constants by package name, to resolve config.EnvToken and EnvToken.
	consts := map[string]map[string]string{}
	files := map[string][]*ast.File{}
	for _, dir := range dirs {
		names, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, name := range names {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, name, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			files[name] = append(files[name], f)
			pkg := f.Name.Name
			if consts[pkg] == nil {
				consts[pkg] = map[string]string{}
			}
			ast.Inspect(f, func(n ast.Node) bool {
				vs, ok := n.(*ast.ValueSpec)
				if !ok {
					return true
				}
				for i, id := range vs.Names {
					if i < len(vs.Values) {
						if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
							consts[pkg][id.Name], _ = strconv.Unquote(lit.Value)
						}
					}
				}
				return true
			})
		}
	}
	for name, fs := range files {
		rel, _ := filepath.Rel(modRoot, name)
		rel = filepath.ToSlash(rel)
		for _, f := range fs {
			ast.Inspect(f, func(n ast.Node) bool {
				if sel, ok := n.(*ast.SelectorExpr); ok && isIdent(sel.X, "os") && sel.Sel.Name == "Environ" && environUses[rel] == "" {
					t.Errorf("%s: os.Environ reads every variable: list what it looks for in envVars and here", fset.Position(sel.Pos()))
				}
				call, ok := n.(*ast.CallExpr)
				if !ok || len(call.Args) != 1 {
					return true
				}
				switch fun := call.Fun.(type) {
				case *ast.SelectorExpr:
					if !isIdent(fun.X, "os") || (fun.Sel.Name != "Getenv" && fun.Sel.Name != "LookupEnv") {
						return true
					}
				case *ast.Ident:
					if fun.Name != "getenv" {
						return true
					}
				default:
					return true
				}
				arg := call.Args[0]
				var v string
				switch a := arg.(type) {
				case *ast.BasicLit:
					v, _ = strconv.Unquote(a.Value)
				case *ast.Ident:
					v = consts[f.Name.Name][a.Name]
				case *ast.SelectorExpr:
					if x, ok := a.X.(*ast.Ident); ok {
						v = consts[x.Name][a.Sel.Name]
					}
				}
				if v == "" {
					var b bytes.Buffer
					printer.Fprint(&b, fset, arg)
					key := rel + ": " + b.String()
					entry, ok := dynamicEnvReads[key]
					if !ok {
						t.Errorf("%s reads the variable %s: add it to envVars (envhelp.go), or, if the user names it, to dynamicEnvReads as %q", fset.Position(call.Pos()), b.String(), key)
						return true
					}
					seenDynamic[key] = true
					v = entry
				}
				read[v] = true
				if !listed[v] {
					t.Errorf("%s reads %s, which dingbot help environment does not list: add it to envVars in envhelp.go", fset.Position(call.Pos()), v)
				}
				return true
			})
		}
	}
	for key := range dynamicEnvReads {
		if !seenDynamic[key] {
			t.Errorf("dynamicEnvReads has %q, which the code no longer reads", key)
		}
	}
	for _, v := range envVars {
		if !v.library && !read[v.name] {
			t.Errorf("envVars lists %s as read by dingbot's code, but no package of the binary reads it (a library's? mark it library)", v.name)
		}
	}
	if !read["DINGBOT_CONFIG"] || !read["VISUAL"] {
		t.Fatalf("the scan missed variables it must see: %v", read)
	}
}

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}

// allCommands lists every command under root, root first.
func allCommands(root *cobra.Command) []*cobra.Command {
	cmds := []*cobra.Command{root}
	for _, c := range root.Commands() {
		cmds = append(cmds, allCommands(c)...)
	}
	return cmds
}

// TestEnvironmentTableNamesRealCommands: every command path in envVars is a command of dingbot.
func TestEnvironmentTableNamesRealCommands(t *testing.T) {
	root := newRootCmd(streams{in: strings.NewReader(""), out: &bytes.Buffer{}, err: &bytes.Buffer{}})
	var paths []string
	for _, c := range allCommands(root) {
		paths = append(paths, c.CommandPath())
	}
	for _, v := range envVars {
		if len(v.affects) == 0 {
			t.Errorf("%s affects no command", v.name)
		}
		for _, p := range v.affects {
			if !slices.Contains(paths, p) {
				t.Errorf("%s affects %q, which is no command of dingbot (commands: %s)", v.name, p, strings.Join(paths, ", "))
			}
		}
	}
}

// TestHelpNamesEnvironment runs each command's --help through the binary: it ends with the
// variables that affect that command, from the same table as dingbot help environment.
func TestHelpNamesEnvironment(t *testing.T) {
	root := newRootCmd(streams{in: strings.NewReader(""), out: &bytes.Buffer{}, err: &bytes.Buffer{}})
	e := newEnv(t)
	withEnv := 0
	for _, c := range allCommands(root) {
		path := c.CommandPath()
		args := append(strings.Fields(path)[1:], "--help")
		r := e.run("", args...)
		if r.code != 0 {
			t.Errorf("dingbot %s: exit %d: %s", strings.Join(args, " "), r.code, r.stderr)
			continue
		}
		want := envVarsFor(path)
		_, got, found := strings.Cut(strings.Join(strings.Fields(r.stdout), " "), "Environment: ")
		if len(want) == 0 {
			if found {
				t.Errorf("%s --help names variables, but the table has none for it:\n%s", path, r.stdout)
			}
			continue
		}
		withEnv++
		if !found {
			t.Errorf("%s --help names no environment variables, want %v:\n%s", path, want, r.stdout)
			continue
		}
		got, _, found = strings.Cut(got, " (see dingbot help environment).")
		if !found {
			t.Errorf("%s --help: the Environment line does not end by naming the topic:\n%s", path, r.stdout)
		}
		gotNames := strings.Fields(strings.ReplaceAll(got, ",", " "))
		if !slices.Equal(gotNames, want) {
			t.Errorf("%s --help: Environment: %v, want %v", path, gotNames, want)
		}
	}
	if withEnv < 10 {
		t.Errorf("only %d commands name variables", withEnv)
	}

	// Spot checks that the table says what the code does.
	if !slices.Contains(envVarsFor("dingbot send"), "DINGBOT_CONFIG") || slices.Contains(envVarsFor("dingbot send"), "RUNEWIDTH_EASTASIAN") {
		t.Errorf("dingbot send: %v", envVarsFor("dingbot send"))
	}
	if !slices.Contains(envVarsFor("dingbot outbox drain"), "DINGBOT_REDIS_URL") {
		t.Errorf("a path covers its subcommands: dingbot outbox drain: %v", envVarsFor("dingbot outbox drain"))
	}
	if slices.Contains(envVarsFor("dingbot sandbox"), "DINGBOT_CONFIG") {
		t.Errorf("\"dingbot\" covers only the composer and the MCP server: dingbot sandbox: %v", envVarsFor("dingbot sandbox"))
	}
}

// TestHelpEnvironmentTopic: dingbot help environment lists every variable with its meaning.
func TestHelpEnvironmentTopic(t *testing.T) {
	e := newEnv(t)
	r := e.run("", "help", "environment")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, v := range envVars {
		i := strings.Index(r.stdout, "\n  "+v.name+"\n")
		if i < 0 {
			t.Errorf("help environment does not list %s:\n%s", v.name, r.stdout)
			continue
		}
		words := strings.Fields(v.meaning)
		if !strings.Contains(r.stdout[i:], words[0]) {
			t.Errorf("help environment: %s has no meaning", v.name)
		}
	}
	if r := e.run("", "--help"); !strings.Contains(r.stdout, "environment") || !strings.Contains(r.stdout, "Additional help topics") {
		t.Errorf("dingbot --help does not offer the environment topic:\n%s", r.stdout)
	}
}
