package tls

import (
	"github.com/mcpacket/mcpacket/internal/result"
)

// fitBudget shrinks what the caller did not size until the JSON fits
// ResponseBudget: the default-sized pages of sessions and certificates
// first, then the fingerprints and top lists, then the findings' details.
func fitBudget(out *Output, cfg *config) {
	result.FitBudget(out, ResponseBudget,
		func() bool { return result.Halve(&out.Sessions, &out.SessionsPage, cfg.limitSet) },
		func() bool { return result.Halve(&out.Certificates, &out.CertificatesPage, cfg.certSet) },
		func() bool { return halve(&out.Fingerprints) },
		func() bool {
			c := false
			for _, l := range []*result.TopList{&out.Top.SNI, &out.Top.RegisteredDomains, &out.Top.Servers, &out.Top.JA3, &out.Top.JA4} {
				c = halve(&l.Items) || c
			}
			return c
		},
		func() bool { return halve(&out.Anomalies) },
	)
}

// halve cuts a list to half its length.
func halve[T any](items *[]T) bool {
	if len(*items) <= 1 {
		return false
	}
	*items = (*items)[:len(*items)/2]
	return true
}
