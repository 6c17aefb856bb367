package match

import (
	"cmp"
	"slices"
	"strings"
	"unicode/utf8"
)

// How well a key matches, best last. A score is its tier followed by four two-digit parts
// (0 to 99 each) that order keys within the tier: tier×10⁸ + parts.
const (
	tierFuzzy    = 1 + iota // the letters in order with a gap or two, from the first
	tierInside              // from a later word or character, or inside a word
	tierInitials            // from the first word, some word before the last shortened: zw, zhwei
	tierPrefix              // the beginning: whole words, the last maybe cut short: zhang, zhangw
	tierExact               // the whole name, userId or number, as written or in pinyin
)

// pack makes a score of a tier and its parts, most significant first.
func pack(tier int, parts ...int) int {
	s := tier
	for i := 0; i < 4; i++ {
		s *= 100
		if i < len(parts) {
			s += min(max(parts[i], 0), 99)
		}
	}
	return s
}

func boolPart(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Match reports whether query finds the key, and how well: a higher score is a better match.
// An empty query matches every key with score 0. To match one query against many keys, Rank
// prepares it once.
func (k Key) Match(query string) (score int, ok bool) {
	q := compile(query)
	return k.match(&q, new(walker))
}

func (k *Key) match(q *query, w *walker) (int, bool) {
	if q.empty {
		return 0, true
	}
	best, ok := 0, false
	for i := range k.fields {
		s, m, _ := k.fields[i].match(q, i == 0, w, nil)
		if i > 0 && s < pack(tierExact) {
			// Other fields rank a step below the same match on the name: zw finds 张伟 by
			// initials before someone whose userId is zwh.
			s -= pack(1)
		}
		if m && (!ok || s > best) {
			best, ok = s, true
		}
	}
	return best, ok
}

// Range is a run of runes of a name, [Start, End), counted in runes from 0.
type Range struct{ Start, End int }

// Ranges says which runes of the key's name query matched, for highlighting, in order and
// merged; nil when the name itself does not match (the key may still match by another field,
// such as its mobile). It redoes the match, so call it for the rows on screen only.
func (k Key) Ranges(query string) []Range {
	q := compile(query)
	if q.empty {
		return nil
	}
	var runeOf []int32
	f := newField(k.name, true, &runeOf)
	var w walker
	_, ok, rs := f.match(&q, true, &w, runeOf)
	if !ok {
		return nil
	}
	return merge(rs)
}

// Rank returns the indices of the keys query matches, best first; keys that match equally
// well keep their order. An empty query returns every index in order.
func Rank(query string, keys []Key) []int { return RankBy(query, keys, nil) }

// RankBy is Rank with keys sorted first by group(i), lower groups first, whatever their
// scores: a picker puts the people who cannot be mentioned in the current message type in
// group 1, after all others. A nil group puts every key in group 0.
func RankBy(query string, keys []Key, group func(i int) int) []int {
	q := compile(query)
	type hit struct{ i, group, score int }
	hits := make([]hit, 0, len(keys))
	w := new(walker)
	for i := range keys {
		s, ok := keys[i].match(&q, w)
		if !ok {
			continue
		}
		h := hit{i: i, score: s}
		if group != nil {
			h.group = group(i)
		}
		hits = append(hits, h)
	}
	slices.SortStableFunc(hits, func(a, b hit) int {
		if c := cmp.Compare(a.group, b.group); c != 0 {
			return c
		}
		return cmp.Compare(b.score, a.score)
	})
	out := make([]int, len(hits))
	for j, h := range hits {
		out[j] = h.i
	}
	return out
}

// match scores one field. With runeOf (from newField) it also says which runes matched.
func (f *field) match(q *query, name bool, w *walker, runeOf []int32) (score int, ok bool, rs []Range) {
	bonus := boolPart(name)
	if f.phone {
		if !q.phone {
			return 0, false, nil
		}
		s1, ok1 := digitScore(q.local, f.local)
		s2, ok2 := digitScore(q.digits, f.digits)
		return max(s1, s2), ok1 || ok2, nil
	}
	if q.bytes&^f.bytes != 0 {
		return 0, false, nil // a letter typed that no spelling of the field has
	}
	record := runeOf != nil
	// The folded text as written: the whole of it, its beginning, or anywhere inside.
	if i := strings.Index(f.text, q.text); i >= 0 {
		end := i + len(q.text)
		switch {
		case i == 0 && end == len(f.text):
			score = pack(tierExact, 0, 0, 0, bonus)
		case i == 0:
			leftover, full := 0, 0
			for _, u := range f.units {
				if int(u.at) >= end {
					leftover++
				} else if int(u.end) <= end {
					full++
				}
			}
			score = pack(tierPrefix, boolPart(f.wordEnd(end)), 99-leftover, full, bonus)
		default:
			score = pack(tierInside, boolPart(f.wordStart(i)), boolPart(f.wordEnd(end)), 99-utf8.RuneCountInString(f.text[:i]), bonus)
		}
		ok = true
		if record {
			rs = []Range{{int(runeOf[i]), int(runeOf[end-1]) + 1}}
		}
		if score >= pack(tierExact) {
			return score, ok, rs
		}
	}
	// Word by word, each word or Chinese character typed whole or by its beginning.
	if s, m, wrs := w.walk(f, q, bonus, runeOf); m && (!ok || s > score) {
		score, ok, rs = s, true, wrs
	}
	if ok || !name {
		return score, ok, rs
	}
	// The letters of the name typed out, in order, with a gap or two.
	return f.fuzzy(q, bonus, runeOf)
}

// wordStart and wordEnd report whether byte i of the text begins or ends a word.
func (f *field) wordStart(i int) bool {
	for _, u := range f.units {
		if int(u.at) == i {
			return true
		}
	}
	return false
}

func (f *field) wordEnd(i int) bool {
	for _, u := range f.units {
		if int(u.end) == i {
			return true
		}
	}
	return false
}

// digitScore compares the digits of a phone-number query with a field's.
func digitScore(q, f string) (int, bool) {
	switch {
	case q == f:
		return pack(tierExact), true
	case strings.HasPrefix(f, q):
		return pack(tierPrefix, 0, 99-(len(f)-len(q))), true
	case len(q) >= 3 && strings.Contains(f, q):
		return pack(tierInside), true
	}
	return 0, false
}

// walker matches a query word by word against a field's units: each unit takes one of its
// spellings whole or a beginning of one, and the next unit goes on where it stopped. Dead
// ends are remembered, so the walk never repeats itself.
type walker struct {
	units  []unit
	q      string
	cuts   uint64
	dead   [maxUnits]uint64 // bit p of dead[i]: from unit i at byte p of the query, no way on
	end    int              // after a walk: the units taken are [start, end)
	full   int              // how many took a whole spelling
	inner  bool             // a unit before the last took only a beginning
	last   bool             // the last unit did
	record bool
	steps  []step
}

// step is one unit taken: n bytes of spelling k.
type step struct{ unit, n, k int }

// walk finds the best way through the field's units and scores it.
func (w *walker) walk(f *field, q *query, bonus int, runeOf []int32) (int, bool, []Range) {
	if len(q.bare) > maxQuery || len(f.units) == 0 {
		return 0, false, nil
	}
	w.units, w.q, w.cuts, w.record = f.units[:min(len(f.units), maxUnits)], q.bare, q.cuts, runeOf != nil
	clear(w.dead[:len(w.units)])
	for start := range w.units {
		if !w.from(start, 0) {
			continue
		}
		leftover := len(f.units) - w.end
		var s int
		switch {
		case start > 0:
			s = pack(tierInside, 1, boolPart(!w.last), 99-start, bonus)
		case leftover == 0 && !w.inner && !w.last:
			s = pack(tierExact, 0, 0, 0, bonus)
		case !w.inner:
			s = pack(tierPrefix, boolPart(!w.last), 99-leftover, w.full, bonus)
		default:
			s = pack(tierInitials, boolPart(!w.last), 99-leftover, w.full, bonus)
		}
		var rs []Range
		if w.record {
			for _, st := range w.steps {
				u := f.units[st.unit]
				r := Range{int(u.rs), int(u.re)}
				if n := wordBytes(u.spellings, st); !u.han && n < int(u.end-u.at) {
					r.End = int(runeOf[int(u.at)+n-1]) + 1
				}
				rs = append(rs, r)
			}
		}
		return s, true, rs
	}
	return 0, false, nil
}

// from reports whether the query from byte p can be taken by the units from i on.
func (w *walker) from(i, p int) bool {
	if p == len(w.q) {
		w.end, w.full, w.inner, w.last = i, 0, false, false
		w.steps = w.steps[:0]
		return true
	}
	if i >= len(w.units) || w.dead[i]&(1<<p) != 0 {
		return false
	}
	u := &w.units[i]
	if u.first&(1<<(w.q[p]&63)) == 0 {
		return false
	}
	rest := w.q[p:]
	longest := 0
	for k, s := range u.spellings {
		if strings.HasPrefix(rest, s) && w.whole(p, len(s)) && w.from(i+1, p+len(s)) {
			w.full++
			w.took(i, len(s), k)
			return true
		}
		if !(u.han && k == 0) {
			longest = max(longest, len(s))
		}
	}
	for n := min(longest-1, len(rest)); n >= 1; n-- {
		if !w.whole(p, n) {
			continue
		}
		for k, s := range u.spellings {
			if (u.han && k == 0) || len(s) <= n || s[:n] != rest[:n] || !utf8.RuneStart(s[n]) {
				continue
			}
			if w.from(i+1, p+n) {
				if i == w.end-1 {
					w.last = true
				} else {
					w.inner = true
				}
				w.took(i, n, k)
				return true
			}
			break // another spelling beginning alike leads to the same place
		}
	}
	w.dead[i] |= 1 << p
	return false
}

// wordBytes is how many bytes of a word as folded the step took: for the spelling with ae, oe
// or ue, the e added after each umlaut vowel does not count.
func wordBytes(spellings []string, st step) int {
	if st.k == 0 {
		return st.n
	}
	alt, word := spellings[st.k], spellings[0]
	j := 0
	for i := 0; i < st.n && j < len(word); i++ {
		if alt[i] == word[j] {
			j++
		}
	}
	return j
}

func (w *walker) took(i, n, k int) {
	if w.record {
		w.steps = append(w.steps, step{i, n, k})
	}
}

// whole reports whether bytes [p, p+n) of the query hold no break the user typed.
func (w *walker) whole(p, n int) bool {
	inside := (uint64(1)<<(n-1) - 1) << (p + 1)
	return w.cuts&inside == 0
}

// fuzzy matches the name typed out (its spell) letter by letter from its first letter,
// allowing a gap of one letter for every five typed, plus one.
func (f *field) fuzzy(q *query, bonus int, runeOf []int32) (int, bool, []Range) {
	if len(q.bare) < 3 || !q.ascii || f.spell == "" || f.spell[0] != q.bare[0] {
		return 0, false, nil
	}
	allowed := 1 + len(q.bare)/5
	gaps, j := 0, 1
	at := []int{0}
	for i := 1; i < len(q.bare); i++ {
		for j < len(f.spell) && f.spell[j] != q.bare[i] {
			j++
			if gaps++; gaps > allowed {
				return 0, false, nil
			}
		}
		if j == len(f.spell) {
			return 0, false, nil
		}
		if runeOf != nil {
			at = append(at, j)
		}
		j++
	}
	s := pack(tierFuzzy, 99-gaps, 99-(len(f.spell)-j), 0, bonus)
	if runeOf == nil {
		return s, true, nil
	}
	var rs []Range
	for _, p := range at {
		u := f.unitAtSpell(p)
		if u.han {
			rs = append(rs, Range{int(u.rs), int(u.re)})
			continue
		}
		r := int(runeOf[int(u.at)+p-int(u.sp)])
		rs = append(rs, Range{r, r + 1})
	}
	return s, true, rs
}

// unitAtSpell is the unit whose spelling holds byte p of the spell.
func (f *field) unitAtSpell(p int) unit {
	i, _ := slices.BinarySearchFunc(f.units, p, func(u unit, p int) int { return cmp.Compare(int(u.sp), p) })
	if i == len(f.units) || int(f.units[i].sp) > p {
		i--
	}
	return f.units[i]
}

// merge sorts ranges and joins those that touch.
func merge(rs []Range) []Range {
	slices.SortFunc(rs, func(a, b Range) int { return cmp.Compare(a.Start, b.Start) })
	out := rs[:0]
	for _, r := range rs {
		if n := len(out); n > 0 && r.Start <= out[n-1].End {
			out[n-1].End = max(out[n-1].End, r.End)
			continue
		}
		out = append(out, r)
	}
	return out
}
