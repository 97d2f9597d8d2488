package pcaptest

import (
	"bytes"
	"image"
	"image/png"
	"testing"
)

// MinPictureVariance is the least grey-level variance (0-255 scale) of a
// drawn chart: an all-white picture has 0, a chart with axes, labels and
// data on a white background has several hundred.
const MinPictureVariance = 100

// CheckPNG decodes data as a PNG, checks it is w by h pixels and not blank
// (the grey levels of its pixels vary by MinPictureVariance at least), and
// returns it.
func CheckPNG(t testing.TB, data []byte, w, h int) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("decoding the PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		t.Errorf("picture is %dx%d, want %dx%d", b.Dx(), b.Dy(), w, h)
	}
	if v := GreyVariance(img); v < MinPictureVariance {
		t.Errorf("picture is blank: grey variance %.1f, want at least %d", v, MinPictureVariance)
	}
	return img
}

// GreyVariance is the variance of the pixels' grey levels (0-255).
func GreyVariance(img image.Image) float64 {
	b := img.Bounds()
	var sum, sq float64
	n := float64(b.Dx() * b.Dy())
	if n == 0 {
		return 0
	}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			v := (float64(r) + float64(g) + float64(bl)) / 3 / 257
			sum += v
			sq += v * v
		}
	}
	mean := sum / n
	return sq/n - mean*mean
}
