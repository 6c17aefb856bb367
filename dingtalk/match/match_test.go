package match

import (
	"slices"
	"strings"
	"testing"

	"github.com/dingbot/dingbot/dingtalk"
)

// book is a list of people: a name, then the other strings that find them.
type book [][]string

func (b book) keys() []Key {
	keys := make([]Key, len(b))
	for i, p := range b {
		keys[i] = NewKey(p[0], p[1:]...)
	}
	return keys
}

// rank returns the names query finds in b, best first.
func (b book) rank(query string) []string {
	names := []string{}
	for _, i := range Rank(query, b.keys()) {
		names = append(names, b[i][0])
	}
	return names
}

type rankCase struct {
	query string
	want  []string
}

func testRanking(t *testing.T, b book, cases []rankCase) {
	t.Helper()
	for _, c := range cases {
		if got := b.rank(c.query); !slices.Equal(got, c.want) {
			t.Errorf("Rank(%q) = %q, want %q", c.query, got, c.want)
		}
	}
}

func TestRankChinese(t *testing.T) {
	b := book{
		{"张伟", "13800000000", "zhangwei01"}, {"张文华"}, {"周伟"}, {"章子怡"}, {"李明"}, {"刘德华"},
		{"单田芳"}, {"曾国藩"}, {"吕布"}, {"張偉"}, {"区志强"},
	}
	testRanking(t, b, []rankCase{
		{"zhangwei", []string{"张伟", "張偉"}},
		{"zhang wei", []string{"张伟", "張偉"}},
		{"ZhangWei", []string{"张伟", "張偉"}},
		{"zhang", []string{"张伟", "張偉", "张文华", "章子怡"}},
		{"zhangw", []string{"张伟", "張偉", "张文华"}},
		{"zw", []string{"张伟", "周伟", "張偉", "张文华"}},
		{"zwh", []string{"张文华"}},
		{"zhwei", []string{"张伟", "周伟", "張偉"}},
		{"wei", []string{"张伟", "周伟", "張偉"}},
		{"张w", []string{"张伟", "张文华"}},
		{"张 wei", []string{"张伟"}},
		{"张伟", []string{"张伟"}},
		{"伟", []string{"张伟", "周伟"}},
		{"ldh", []string{"刘德华"}},
		{"shan", []string{"单田芳"}},
		{"dan", []string{"单田芳"}},
		{"shantianfang", []string{"单田芳"}},
		{"zeng", []string{"曾国藩"}},
		{"ceng", []string{"曾国藩"}},
		{"ou", []string{"区志强"}},
		{"qu", []string{"区志强"}},
		{"lv", []string{"吕布"}},
		{"lu", []string{"吕布"}},
		{"li", []string{"李明", "刘德华"}},
		{"zhagwei", []string{"张伟", "張偉"}}, // a letter left out
		{"eng", []string{}},               // the middle of a syllable is no start
		{"ang", []string{"张伟"}},           // but its userId, zhangwei01, holds it
		{"zhangweiming", []string{}},
	})
}

func TestRankLatin(t *testing.T) {
	b := book{
		{"Müller"}, {"José García"}, {"François"}, {"Strauß"}, {"Ｔｏｍ"}, {"Zoë"}, {"Łukasz"},
		{"Jean-Luc Picard"}, {"O'Brien"}, {"Zwick"}, {"Søren"}, {"ÅNGSTRÖM"},
	}
	testRanking(t, b, []rankCase{
		{"muller", []string{"Müller"}},
		{"mueller", []string{"Müller"}},
		{"MÜLLER", []string{"Müller"}},
		{"mül", []string{"Müller"}},
		{"jose", []string{"José García"}},
		{"garcia", []string{"José García"}},
		{"jg", []string{"José García"}},
		{"josé garcía", []string{"José García"}},
		{"francois", []string{"François"}},
		{"strauss", []string{"Strauß"}},
		{"tom", []string{"Ｔｏｍ"}},
		{"ｔｏｍ", []string{"Ｔｏｍ"}},
		{"zoe", []string{"Zoë"}},
		{"lukasz", []string{"Łukasz"}},
		{"soren", []string{"Søren"}},
		{"angstrom", []string{"ÅNGSTRÖM"}},
		{"angstroem", []string{"ÅNGSTRÖM"}},
		{"jeanluc", []string{"Jean-Luc Picard"}},
		{"jean luc", []string{"Jean-Luc Picard"}},
		{"jlp", []string{"Jean-Luc Picard"}},
		{"picard", []string{"Jean-Luc Picard"}},
		{"obrien", []string{"O'Brien"}},
		{"o'brien", []string{"O'Brien"}},
		{"zw", []string{"Zwick"}},
		{"ll", []string{"Müller"}},
		{"jhn", []string{}},
	})
}

func TestRankMobileAndUserID(t *testing.T) {
	b := book{
		{"Alice", "13800000000"}, {"Bob", "", "bob01"}, {"Carol", "+852-12345678", "carol"},
		{"Dan", "+86 139-0000-1111"}, {"Eve", "", "0123456789"},
	}
	alice := []string{"Alice"}
	testRanking(t, b, []rankCase{
		{"13800000000", alice},
		{"138 0000 0000", alice},
		{"138-0000-0000", alice},
		{"+86-13800000000", alice},
		{"+86 138 0000 0000", alice},
		{"8613800000000", alice},
		{"008613800000000", alice},
		{"１３８００００００００", alice},
		{"@13800000000", alice},
		{"138", alice},
		{"0000", []string{"Alice", "Dan"}},
		{"13900001111", []string{"Dan"}},
		{"139", []string{"Dan"}},
		{"+852 1234 5678", []string{"Carol"}},
		{"+852-12345678", []string{"Carol"}},
		{"85212345678", []string{"Carol"}},
		{"12345678", []string{"Carol", "Eve"}},
		{"bob01", []string{"Bob"}},
		{"bob0", []string{"Bob"}},
		{"BOB", []string{"Bob"}},
		{"carol", []string{"Carol"}},
		{"0123", []string{"Eve"}},
		{"13800000001", []string{}},
	})
}

func TestRankOrder(t *testing.T) {
	testRanking(t, book{{"李明华"}, {"黎"}, {"李明"}, {"刘"}, {"李"}, {"Lily"}, {"王李"}, {"Ali"}}, []rankCase{
		// The whole name (in list order), then whole words from the start, fewer left over
		// first, then the last word cut short, then from a later character, then inside a word.
		{"li", []string{"黎", "李", "李明", "李明华", "刘", "Lily", "王李", "Ali"}},
		{"", []string{"李明华", "黎", "李明", "刘", "李", "Lily", "王李", "Ali"}},
		{"@", []string{"李明华", "黎", "李明", "刘", "李", "Lily", "王李", "Ali"}},
	})
	// A name that begins with what was typed comes before initials, initials before a match
	// further in, and a name that merely holds the letters somewhere does not match.
	testRanking(t, book{{"王张伟"}, {"赵文武"}, {"Zwick"}, {"张伟"}, {"Zhou Wang"}, {"Liz Wu"}}, []rankCase{
		{"zw", []string{"Zwick", "张伟", "Zhou Wang", "赵文武", "王张伟"}},
	})
	// A userId that is the whole query beats a name it only begins; a userId or mobile it only
	// begins ranks a step below the same match on a name.
	testRanking(t, book{{"Zhangwei Li"}, {"张三", "", "zhangwei"}, {"张文华", "zwh"}, {"张伟"}, {"Zoe Wu", "zwu"}}, []rankCase{
		{"zhangwei", []string{"张伟", "张三", "Zhangwei Li"}},
		{"zw", []string{"张伟", "Zoe Wu", "张文华"}},
		{"zhang", []string{"张三", "张伟", "张文华", "Zhangwei Li"}},
	})
}

func TestRankBy(t *testing.T) {
	b := book{{"张伟", "13800000000"}, {"张伟明", "", "zwm"}, {"张卫"}}
	// In an action card only a userId notifies: those without one go last, whatever their score.
	noUserID := func(i int) int {
		if len(b[i]) < 3 || b[i][2] == "" {
			return 1
		}
		return 0
	}
	for _, c := range []struct {
		query string
		want  []int
	}{
		{"zhangwei", []int{1, 0, 2}},
		{"zw", []int{1, 0, 2}},
		{"", []int{1, 0, 2}},
	} {
		if got := RankBy(c.query, b.keys(), noUserID); !slices.Equal(got, c.want) {
			t.Errorf("RankBy(%q) = %v, want %v", c.query, got, c.want)
		}
	}
}

func TestMatch(t *testing.T) {
	k := NewKey("张伟", "13800000000", "zhangwei01")
	exact, _ := k.Match("zhangwei")
	prefix, _ := k.Match("zhang")
	initials, _ := k.Match("zw")
	inside, _ := k.Match("wei")
	fuzzy, ok := k.Match("zhagwei")
	if !(exact > prefix && prefix > initials && initials > inside && inside > fuzzy && ok) {
		t.Errorf("scores exact %d > prefix %d > initials %d > inside %d > fuzzy %d (%v)", exact, prefix, initials, inside, fuzzy, ok)
	}
	// A space the user typed is where a word ends: "zhan gwei" is only a fuzzy match.
	if split, _ := k.Match("zhan gwei"); split >= inside {
		t.Errorf("zhan gwei scores %d, as high as a match inside (%d)", split, inside)
	}
	if s, ok := k.Match(""); s != 0 || !ok {
		t.Errorf("empty query: %d %v", s, ok)
	}
	if _, ok := k.Match("lisi"); ok {
		t.Error("lisi matches 张伟")
	}
	if k.Name() != "张伟" {
		t.Errorf("Name() = %q", k.Name())
	}
}

func TestRanges(t *testing.T) {
	for _, c := range []struct {
		name, query string
		want        []Range
	}{
		{"张伟", "zhangw", []Range{{0, 2}}},
		{"张伟", "zhang", []Range{{0, 1}}},
		{"张伟明", "wei", []Range{{1, 2}}},
		{"张伟明", "zwm", []Range{{0, 3}}},
		{"Müller", "mul", []Range{{0, 3}}},
		{"Müller", "muel", []Range{{0, 3}}},
		{"Mu\u0308ller", "mul", []Range{{0, 4}}},
		{"José García", "garcia", []Range{{5, 11}}},
		{"José García", "jg", []Range{{0, 1}, {5, 6}}},
		{"Jean-Luc Picard", "jlp", []Range{{0, 1}, {5, 6}, {9, 10}}},
		{"Jean-Luc Picard", "luc pi", []Range{{5, 8}, {9, 11}}},
		{"Ｔｏｍ", "to", []Range{{0, 2}}},
		{"Strauß", "straus", []Range{{0, 6}}},
		{"Müller", "ll", []Range{{2, 4}}},
		{"张伟", "zhagwei", []Range{{0, 2}}},
		{"Johnson", "jhns", []Range{{0, 1}, {2, 5}}},
		{"张伟", "13800000000", nil},
		{"张伟", "", nil},
	} {
		k := NewKey(c.name, "13800000000")
		if got := k.Ranges(c.query); !slices.Equal(got, c.want) {
			t.Errorf("%s.Ranges(%q) = %v, want %v", c.name, c.query, got, c.want)
		}
	}
}

func TestMobile(t *testing.T) {
	for _, c := range []struct {
		in, want string
		ok       bool
	}{
		{"13800000000", "13800000000", true},
		{"138 0000 0000", "13800000000", true},
		{"138-0000-0000", "13800000000", true},
		{"+86-13800000000", "13800000000", true},
		{"+86 138 0000 0000", "13800000000", true},
		{"+8613800000000", "13800000000", true},
		{"8613800000000", "13800000000", true},
		{"008613800000000", "13800000000", true},
		{"@13800000000", "13800000000", true},
		{"１３８００００００００", "13800000000", true},
		{"８６１３８００００００００", "13800000000", true},
		{"+852 1234 5678", "+852-12345678", true},
		{"+852-12345678", "+852-12345678", true},
		{"+1 (415) 555-0100", "+1-4155550100", true},
		{"＋８５２ １２３４５６７８", "+852-12345678", true},
		{"+85212345678", "", false}, // where the country code ends cannot be told
		{"1380000000", "", false},
		{"23800000000", "", false},
		{"12345678", "", false},
		{"bob01", "", false},
		{"张伟", "", false},
		{"", "", false},
		{"+852 12", "", false},
	} {
		got, ok := Mobile(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("Mobile(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
		if ok && !dingtalk.ValidMobile(got) {
			t.Errorf("Mobile(%q) = %q, which DingTalk would refuse", c.in, got)
		}
	}
}

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"Müller": "muller", "François": "francois", "Straße": "strasse", "ÆSIR": "aesir",
		"Ｔｏｍ１２": "tom12", "ﬁne": "fine", "Łódź": "lodz", "Ærøskøbing": "aeroskobing",
		"张伟": "张伟", "İstanbul": "istanbul", "Ελένη": "ελενη", "Дмитрий": "дмитрии",
		"すずき": "すずき", "김민수": "김민수",
	} {
		if got := foldString(in); got != want {
			t.Errorf("fold(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHanSpellings(t *testing.T) {
	for r, want := range map[rune]string{
		'张': "张 zhang", '单': "单 dan chan shan", '曾': "曾 ceng zeng", '女': "女 nv nu ru",
		'吕': "吕 lv lu", '〇': "〇 ling yuan xing", '𠀀': "𠀀 he",
	} {
		if got := strings.Join(hanSpellings(r), " "); got != want {
			t.Errorf("hanSpellings(%c) = %q, want %q", r, got, want)
		}
	}
}
