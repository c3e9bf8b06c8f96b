package rumbo

import (
	"math"
	"strings"
)

// ScoreOf returns a key result's end-of-period score: its final progress,
// clamped to 0..1 and rounded to two decimals (Google style).
func ScoreOf(progress float64) float64 {
	return round2(clamp01(progress))
}

// round2 rounds to two decimals, halves away from zero. x*100 alone
// carries the binary error of x (0.145*100 = 14.4999…): it is rounded to
// nine decimals first, far below a score's precision and above the error.
func round2(x float64) float64 { return math.Round(math.Round(x*1e9)/1e7) / 100 }

// CloseObjective scores an objective at the end of its period from its key
// results' status lines at that time (given in the order of o.KeyResults)
// and returns the scored copy: each key result's Score is ScoreOf its
// progress, and the objective's Score is the weighted mean of its key
// results' scores (an overridden key result counts with its override),
// rounded to two decimals. Overrides and notes are kept.
func CloseObjective(o Objective, krs []KRStatus) Objective {
	o.KeyResults = append([]KeyResult(nil), o.KeyResults...)
	scores := make([]float64, len(o.KeyResults))
	weights := make([]float64, len(o.KeyResults))
	for i := range o.KeyResults {
		kr := &o.KeyResults[i]
		var p float64
		if i < len(krs) {
			p = krs[i].Progress
		}
		s := ScoreOf(p)
		kr.Score = &s
		scores[i], weights[i] = s, kr.weight()
		if kr.ScoreOverride != nil {
			scores[i] = *kr.ScoreOverride
		}
	}
	s := round2(WeightedMean(scores, weights))
	o.Score = &s
	return o
}

// OverrideScore validates a manual score override: a score from 0 to 1
// with a note saying why. The computed score is kept beside it.
func OverrideScore(score float64, note string) (*float64, error) {
	if math.IsNaN(score) || score < 0 || score > 1 {
		return nil, Errorf(EINVALID, "score %v: must be from 0.0 to 1.0", score)
	}
	if strings.TrimSpace(note) == "" {
		return nil, Errorf(EINVALID, "a score override needs a note saying why")
	}
	s := round2(score)
	return &s, nil
}

// Grade is the reading of a score for the objective's type.
type Grade string

// Grades. Committed objectives are expected to reach 1.0; for aspirational
// ones 0.7 is a good score.
const (
	GradeMet      Grade = "met"      // 1.0
	GradeGood     Grade = "good"     // aspirational ≥ 0.7
	GradeProgress Grade = "progress" // aspirational ≥ 0.4
	GradeMissed   Grade = "missed"   // committed < 1.0, aspirational < 0.4
)

// GradeOf reads a score for an objective type.
func GradeOf(score float64, t ObjectiveType) Grade {
	switch {
	case score >= 1-tolerance:
		return GradeMet
	case t != Aspirational:
		return GradeMissed
	case score >= 0.7-tolerance:
		return GradeGood
	case score >= 0.4-tolerance:
		return GradeProgress
	}
	return GradeMissed
}

var gradeTexts = map[string]map[ObjectiveType]map[Grade]string{
	"es": {
		Committed: {
			GradeMet:    "cumplido: un OKR comprometido debe llegar a 1.0",
			GradeMissed: "no cumplido: un OKR comprometido debe llegar a 1.0",
		},
		Aspirational: {
			GradeMet:      "superado: quizá la meta era poco ambiciosa",
			GradeGood:     "bien: 0.7 es un buen resultado en un OKR aspiracional",
			GradeProgress: "avance: por debajo del 0.7 de un OKR aspiracional",
			GradeMissed:   "insuficiente: muy por debajo del 0.7 de un OKR aspiracional",
		},
	},
	"en": {
		Committed: {
			GradeMet:    "met: a committed OKR is expected to reach 1.0",
			GradeMissed: "missed: a committed OKR is expected to reach 1.0",
		},
		Aspirational: {
			GradeMet:      "exceeded: perhaps the goal was not ambitious enough",
			GradeGood:     "good: 0.7 is a good score for an aspirational OKR",
			GradeProgress: "progress: below the 0.7 of an aspirational OKR",
			GradeMissed:   "short: well below the 0.7 of an aspirational OKR",
		},
	},
}

// GradeText returns the grade of a score as a sentence in lang ("es", the
// default, or "en").
func GradeText(score float64, t ObjectiveType, lang string) string {
	if lang != "en" {
		lang = "es"
	}
	if t != Aspirational {
		t = Committed
	}
	return gradeTexts[lang][t][GradeOf(score, t)]
}
