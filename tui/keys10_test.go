package tui

// atAll switches @all as the mention picker's @all entry does (no key of its own since
// issue 10: ctrl+e is line end).
func (d *driver) atAll() {
	d.t.Helper()
	d.run(d.m.toggleAtAll())
}
