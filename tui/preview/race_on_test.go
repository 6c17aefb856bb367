//go:build race

package preview

// raceDetector is true in a build with the race detector, which slows rendering tenfold.
const raceDetector = true
