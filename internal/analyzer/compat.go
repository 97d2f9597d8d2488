package analyzer

// Transitional forwarders to package result, removed once every module
// imports result itself.

import "github.com/mcpacket/mcpacket/internal/result"

type (
	Page    = result.Page
	TopList = result.TopList
	TopItem = result.TopItem
)

const TimeLayout = result.TimeLayout

var (
	FormatTime     = result.FormatTime
	ParseTime      = result.ParseTime
	ParseTimeRange = result.ParseTimeRange
	ParseIP        = result.ParseIP
	PageArgs       = result.PageArgs
	PageOf         = result.PageOf
	FitBudget      = result.FitBudget
	NewTopList     = result.NewTopList
)

func Paginate[T any](items []T, offset, limit int) ([]T, Page) {
	return result.Paginate(items, offset, limit)
}
func Halve[T any](items *[]T, pg *Page, fixed bool) bool { return result.Halve(items, pg, fixed) }

// Override sets *dst to v when the caller gave v (it is not zero).
func Override[T int | float64](v T, dst *T) {
	if v != 0 {
		*dst = v
	}
}
