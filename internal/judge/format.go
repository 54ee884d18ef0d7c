package judge

import (
	"math"
	"strconv"
	"strings"
)

// percent renders a rate for people: "2.1%", "0.05%", "99%".
func percent(p float64) string {
	x := p * 100
	switch {
	case x == 0:
		return "0%"
	case math.Abs(x) >= 10:
		return trimFloat(math.Round(x*10)/10) + "%"
	case math.Abs(x) >= 0.1:
		return trimFloat(math.Round(x*100)/100) + "%"
	default:
		return strconv.FormatFloat(x, 'g', 2, 64) + "%"
	}
}

// times renders the canary/stable ratio: " (×4.2)", or "" when undefined.
func times(canary, stable float64) string {
	if !(stable > 0) || math.IsNaN(canary) {
		return ""
	}
	return " (×" + trimFloat(math.Round(canary/stable*10)/10) + ")"
}

// duration renders seconds with three significant digits: "312ms", "1.25s".
func duration(s float64) string {
	switch {
	case math.IsNaN(s):
		return "n/a"
	case s >= 1:
		return strconv.FormatFloat(s, 'g', 3, 64) + "s"
	case s >= 1e-3:
		return strconv.FormatFloat(s*1e3, 'g', 3, 64) + "ms"
	default:
		return strconv.FormatFloat(s*1e6, 'g', 3, 64) + "µs"
	}
}

// count renders a rounded count with thousands separators: "97,300".
func count(x float64) string {
	s := strconv.FormatInt(int64(math.Round(x)), 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func trimFloat(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
