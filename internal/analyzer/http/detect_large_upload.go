package http

import (
	"fmt"
	"strings"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyLargeUpload is the finding type of the upload detector.
const AnomalyLargeUpload = "large_upload"

var (
	uploadBytes = analyzer.Param{Name: "large_upload_bytes", Default: 1 << 20, Unit: "bytes",
		Help: "request body size counted as large", Min: 1, Max: 1e15, Integer: true}
	uploadRareHost = analyzer.Param{Name: "large_upload_host_max", Default: 5, Unit: "transactions",
		Help: "a host with at most this many transactions in the capture is rare", Min: 1, Max: 1e9, Integer: true}
)

// largeUpload reports big request bodies sent to hosts seen rarely: the
// shape of data exfiltration over HTTP.
var largeUpload = analyzer.Detector[*event, *observer]{
	Type:   AnomalyLargeUpload,
	Params: []analyzer.Param{uploadBytes, uploadRareHost},
	New: func(th analyzer.Thresholds) analyzer.Unit[*event, *observer] {
		return &uploadUnit{min: int64(th.Get(uploadBytes)), rare: th.Int(uploadRareHost)}
	},
}

type upload struct {
	host, client, server, uri, method string
	size                              int64
	frame                             int
}

type uploadUnit struct {
	min     int64
	rare    int
	uploads []upload
}

func (u *uploadUnit) Observe(e *event) {
	t := e.t
	if t == nil || t.rec.Request.BodyBytes < u.min || len(u.uploads) >= 1000 {
		return
	}
	host := t.rec.Host
	if host == "" {
		host = t.server.Addr().String()
	}
	u.uploads = append(u.uploads, upload{host: host, client: t.client.Addr().String(), server: t.rec.Server, uri: t.rec.URI,
		method: t.rec.Method, size: t.rec.Request.BodyBytes, frame: t.rec.RequestFrame})
}

func (u *uploadUnit) Conclude(o *observer, add func(result.Finding)) {
	for _, up := range u.uploads {
		n := o.hosts.Count(strings.ToLower(up.host))
		if n > u.rare {
			continue
		}
		var ev result.Evidence
		ev.Add(up.frame)
		add(result.NewFinding(AnomalyLargeUpload, result.Medium,
			fmt.Sprintf("%s sent %d bytes in a %s to %s, a host with %d transaction(s) in the capture", up.client, up.size, up.method, up.host, n),
			ev, map[string]any{"client": up.client, "server": up.server, "host": up.host, "uri": up.uri, "bytes": up.size, "host_transactions": n}))
	}
}
