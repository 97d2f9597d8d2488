package cli

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// progressLine draws a one-line progress display on a terminal, redrawn in
// place at most a few times a second.
type progressLine struct {
	mu    sync.Mutex
	w     io.Writer
	last  time.Time
	width int
}

func (p *progressLine) update(done, total float64, msg string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	final := total > 0 && done >= total
	if time.Since(p.last) < 200*time.Millisecond && !final {
		return
	}
	p.last = time.Now()
	line := msg
	if total > 0 {
		line = fmt.Sprintf("%3.0f%% %s", 100*done/total, msg)
	}
	fmt.Fprintf(p.w, "\r%-*s", p.width, line)
	p.width = max(p.width, len(line))
}

// clear erases the line; it is safe on a nil progressLine.
func (p *progressLine) clear() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.width > 0 {
		fmt.Fprintf(p.w, "\r%*s\r", p.width, "")
	}
}
