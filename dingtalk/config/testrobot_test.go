package config

import (
	"strings"
	"testing"
)

// TestTestRobot: test_robot names the robot the composer's test send posts to; a name that is no
// robot disables only the test send, with a warning that suggests the nearest robot, and a robot
// unavailable here gives its reason instead of a robot.
func TestTestRobot(t *testing.T) {
	robots := "[robots.ops]\nwebhook = \"" + token + "\"\n[robots.test-group]\nwebhook = \"" + token + "\"\n[robots.off]\nwebhook = \"" + token + "\"\nsecret_env = \"DINGBOT_TEST_UNSET_VAR\"\n"

	t.Run("names a robot", func(t *testing.T) {
		cleanEnv(t)
		c, err := Load(writeConfig(t, "default_robot = \"ops\"\ntest_robot = \"test-group\"\n"+robots))
		if err != nil {
			t.Fatal(err)
		}
		r, set, err := c.TestTarget()
		if err != nil || !set || r.Name != "test-group" || r.Webhook != token {
			t.Fatalf("TestTarget() = %+v, %v, %v", r, set, err)
		}
		if c.TestRobot != "test-group" || c.DefaultRobot != "ops" {
			t.Fatalf("TestRobot %q, DefaultRobot %q", c.TestRobot, c.DefaultRobot)
		}
		for _, w := range c.Warnings {
			if strings.Contains(w, "test_robot") {
				t.Fatalf("a warning about a valid test_robot: %q", w)
			}
		}
	})

	t.Run("not set", func(t *testing.T) {
		cleanEnv(t)
		c, err := Load(writeConfig(t, robots))
		if err != nil {
			t.Fatal(err)
		}
		if r, set, err := c.TestTarget(); set || err != nil || r.Name != "" {
			t.Fatalf("TestTarget() = %+v, %v, %v; want nothing set (the built-in sandbox)", r, set, err)
		}
	})

	t.Run("mistyped", func(t *testing.T) {
		cleanEnv(t)
		path := writeConfig(t, "default_robot = \"ops\"\ntest_robot = \"test-grop\"\n"+robots)
		c, err := Load(path)
		if err != nil {
			t.Fatalf("Load: %v (a mistyped test_robot must not stop the config)", err)
		}
		want := path + `: test_robot "test-grop" is not a configured robot (did you mean "test-group"?); configured: ops, test-group, off (unavailable)`
		if !strings.Contains(strings.Join(c.Warnings, "\n"), want+"; test sends are refused until test_robot is fixed") {
			t.Fatalf("warnings %q lack %q", c.Warnings, want)
		}
		if _, set, err := c.TestTarget(); !set || err == nil || err.Error() != want {
			t.Fatalf("TestTarget() = %v, %v; want %q", set, err, want)
		}
		// Only the test send is disabled: the default and every robot by name still work.
		if r, err := c.Robot(""); err != nil || r.Name != "ops" {
			t.Fatalf("Robot(\"\") = %v, %v", r.Name, err)
		}
		if r, err := c.Robot("test-group"); err != nil || r.Name != "test-group" {
			t.Fatalf("Robot(test-group) = %v, %v", r.Name, err)
		}
	})

	t.Run("no robots at all", func(t *testing.T) {
		cleanEnv(t)
		c, err := Load(writeConfig(t, "test_robot = \"test\"\n"))
		if err != nil {
			t.Fatal(err)
		}
		if !c.Empty() || !strings.Contains(strings.Join(c.Warnings, "\n"), `test_robot "test" is not a configured robot; configured: none`) {
			t.Fatalf("warnings %q", c.Warnings)
		}
	})

	t.Run("unavailable robot", func(t *testing.T) {
		cleanEnv(t)
		c, err := Load(writeConfig(t, "default_robot = \"ops\"\ntest_robot = \"off\"\n"+robots))
		if err != nil {
			t.Fatal(err)
		}
		_, set, err := c.TestTarget()
		if !set || err == nil || !strings.Contains(err.Error(), "DINGBOT_TEST_UNSET_VAR") {
			t.Fatalf("TestTarget() = %v, %v; want the robot's reason", set, err)
		}
	})

	t.Run("a number is a type error", func(t *testing.T) {
		cleanEnv(t)
		_, err := Load(writeConfig(t, "test_robot = 5\n"+robots))
		if err == nil || !strings.Contains(err.Error(), "test_robot must be a string naming a robot, not an integer") {
			t.Fatalf("Load: %v", err)
		}
	})

	t.Run("a typo of the key is suggested", func(t *testing.T) {
		cleanEnv(t)
		_, err := Load(writeConfig(t, "test_robto = \"ops\"\n"+robots))
		if err == nil || !strings.Contains(err.Error(), `unknown key "test_robto" (did you mean "test_robot"?)`) {
			t.Fatalf("Load: %v", err)
		}
	})
}

// The example config's test_robot, uncommented, names its local sandbox robot.
func TestExampleTestRobot(t *testing.T) {
	cleanEnv(t)
	c, err := Load(writeConfig(t, uncommentExample()))
	if err != nil {
		t.Fatal(err)
	}
	if r, set, err := c.TestTarget(); err != nil || !set || r.Name != "sandbox" {
		t.Fatalf("TestTarget() = %+v, %v, %v", r, set, err)
	}
}
