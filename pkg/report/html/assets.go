package html

import "html/template"

// Assets are the chart library and styles of loadgen's pages, for other
// self-contained pages (the run history) that want the same look.
type Assets struct {
	UPlotJS  template.JS
	UPlotCSS template.CSS
	CSS      template.CSS
}

// SharedAssets returns the inlined uPlot and loadgen's report styles.
func SharedAssets() Assets {
	a := inlined()
	return Assets{UPlotJS: a.UPlotJS, UPlotCSS: a.UPlotCSS, CSS: a.CSS}
}
