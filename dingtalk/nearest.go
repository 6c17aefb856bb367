package dingtalk

import "strings"

// Nearest returns the candidate closest to s (ignoring case) when it is close enough to be a
// likely typo of it: at most a third of its length in edits (at least 1, at most 3), or one
// that s is the start of. It returns "" when none is.
func Nearest(s string, candidates []string) string {
	s = strings.ToLower(s)
	best, bestDist := "", -1
	for _, cand := range candidates {
		c := strings.ToLower(cand)
		d := EditDistance(s, c)
		limit := min(max(len([]rune(cand))/3, 1), 3)
		if d > limit && !(len(s) >= 2 && strings.HasPrefix(c, s)) {
			continue
		}
		if bestDist < 0 || d < bestDist {
			best, bestDist = cand, d
		}
	}
	return best
}

// EditDistance is the Levenshtein distance between a and b, in runes.
func EditDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
