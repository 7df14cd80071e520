package reportstest

import (
	"slices"
	"strings"

	"github.com/xuri/excelize/v2"
)

// FillAndBorder are the words golden dumps use for a style's fill and
// borders, those it has of: "fill=" and its colours, "border=" and the
// bordered sides in sorted order.
func FillAndBorder(s *excelize.Style) []string {
	var words []string
	if len(s.Fill.Color) > 0 {
		words = append(words, "fill="+strings.Join(s.Fill.Color, ","))
	}
	if len(s.Border) > 0 {
		var sides []string
		for _, b := range s.Border {
			sides = append(sides, b.Type)
		}
		slices.Sort(sides)
		words = append(words, "border="+strings.Join(sides, ","))
	}
	return words
}
