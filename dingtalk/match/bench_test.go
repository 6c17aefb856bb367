package match

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// contacts5000 is an address book like a company's: mostly Chinese names of two or three
// characters, some Latin names with accents, each with a mobile and a userId.
func contacts5000() [][]string {
	surnames := []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤单区仇")
	given := []rune("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红建文辉晶鹏飞斌宇浩凯健俊帆帅旭宁龙林欣怡佳琪晨阳雪婷倩颖露瑶璐思雨萱涵梓睿博泽轩宸子一")
	latin := []string{"Müller", "José", "François", "Zoë", "Björn", "Ångström", "Søren", "Łukasz", "Dvořák", "García", "Smith", "O'Brien", "Nguyễn", "Straße", "Jean-Luc", "Anaïs"}
	r := rand.New(rand.NewPCG(1, 2))
	out := make([][]string, 5000)
	for i := range out {
		var name string
		if i%10 == 9 {
			name = latin[r.IntN(len(latin))] + " " + latin[r.IntN(len(latin))]
		} else {
			n := 1 + r.IntN(2)
			name = string(surnames[r.IntN(len(surnames))])
			for range n {
				name += string(given[r.IntN(len(given))])
			}
		}
		out[i] = []string{name, fmt.Sprintf("1%010d", r.Int64N(1e10)), fmt.Sprintf("user%05d", i)}
	}
	return out
}

func keys5000(b *testing.B) []Key {
	b.Helper()
	cs := contacts5000()
	keys := make([]Key, len(cs))
	for i, c := range cs {
		keys[i] = NewKey(c[0], c[1:]...)
	}
	return keys
}

// BenchmarkNewKeys5000 is building the keys of 5 000 contacts, as a picker does when it opens.
func BenchmarkNewKeys5000(b *testing.B) {
	cs := contacts5000()
	keys := make([]Key, len(cs))
	b.ReportAllocs()
	for b.Loop() {
		for i, c := range cs {
			keys[i] = NewKey(c[0], c[1:]...)
		}
	}
}

// BenchmarkNewKeys5000Cold is the same with no character's pinyin looked up yet, as when the
// first picker of a process opens.
func BenchmarkNewKeys5000Cold(b *testing.B) {
	cs := contacts5000()
	keys := make([]Key, len(cs))
	b.ReportAllocs()
	for b.Loop() {
		hanCache.Clear()
		for i, c := range cs {
			keys[i] = NewKey(c[0], c[1:]...)
		}
	}
}

// BenchmarkRank5000 is one keystroke: ranking 5 000 contacts by what was typed.
func BenchmarkRank5000(b *testing.B) {
	keys := keys5000(b)
	for _, q := range []string{"z", "zw", "zhang", "zhangwei", "zhwei", "张w", "wei", "muller", "138", "13800000000", "user04", "xyzzy", "zhagwei"} {
		b.Run(q, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Rank(q, keys)
			}
		})
	}
}
