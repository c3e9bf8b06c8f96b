package rumbo

import (
	"testing"
)

func TestScoreOf(t *testing.T) {
	tests := []struct {
		name     string
		progress float64
		want     float64
	}{
		{"two decimals", 2.0 / 3, 0.67},
		{"rounds half up", 0.125, 0.13},
		{"rounds half up where x*100 falls short", 29.0 / 200, 0.15}, // 0.145 * 100 = 14.4999…
		{"rounds half up, another", 57.0 / 200, 0.29},
		{"full", 1, 1},
		{"clamped", 1.3, 1},
		{"never negative", -0.2, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ScoreOf(tt.progress); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// Closing an objective: KR scores 0.67, 1.00 and 0.33 with weights 2, 1, 1
// give (1.34 + 1 + 0.33) ÷ 4 = 0.6675 → 0.67. Overriding the second KR's
// score with 0.5 gives (1.34 + 0.5 + 0.33) ÷ 4 = 0.5425 → 0.54; an override
// on the objective keeps the computed score beside it.
func TestCloseObjective(t *testing.T) {
	loc := mustLoc(t, "Europe/Madrid")
	krs := []KRStatus{{Progress: 2.0 / 3}, {Progress: 1}, {Progress: 1.0 / 3}}
	base := Objective{ID: 1, Title: "Ventas", Type: Aspirational, Period: okrPeriod(t, "2026-Q1", loc),
		KeyResults: []KeyResult{{Title: "a", Weight: 2}, {Title: "b"}, {Title: "c"}}}
	half, err := OverrideScore(0.5, "the second market closed by regulation")
	if err != nil {
		t.Fatal(err)
	}
	krOverride := base
	krOverride.KeyResults = append([]KeyResult(nil), base.KeyResults...)
	krOverride.KeyResults[1].ScoreOverride = half
	krOverride.KeyResults[1].ScoreNote = "the second market closed by regulation"
	objOverride := base
	objOverride.ScoreOverride = okrF(0.8)
	objOverride.ScoreNote = "agreed with the board"
	tests := []struct {
		name      string
		o         Objective
		krScores  []float64
		score     float64
		effective float64
	}{
		{"weighted mean of KR scores", base, []float64{0.67, 1, 0.33}, 0.67, 0.67},
		{"KR override counts in the objective", krOverride, []float64{0.67, 1, 0.33}, 0.54, 0.54},
		{"objective override keeps the computed score", objOverride, []float64{0.67, 1, 0.33}, 0.67, 0.8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := CloseObjective(tt.o, krs)
			for i, want := range tt.krScores {
				if s := got.KeyResults[i].Score; s == nil || *s != want {
					t.Errorf("KR %d score %v, want %v", i, s, want)
				}
			}
			if got.Score == nil || *got.Score != tt.score {
				t.Errorf("score %v, want %v", got.Score, tt.score)
			}
			st := BuildObjectiveStatus(got, krs)
			if st.Score == nil || *st.Score != tt.effective {
				t.Errorf("shown score %v, want %v", st.Score, tt.effective)
			}
			if tt.o.Score != nil || tt.o.KeyResults[0].Score != nil {
				t.Error("CloseObjective changed its argument")
			}
		})
	}
	if got := CloseObjective(krOverride, krs); got.KeyResults[1].ScoreNote == "" || *got.KeyResults[1].Score != 1 {
		t.Errorf("override lost the computed score or the note: %+v", got.KeyResults[1])
	}
}

func TestOverrideScore(t *testing.T) {
	tests := []struct {
		name  string
		score float64
		note  string
		code  string
	}{
		{"valid", 0.8, "why", ""},
		{"above 1", 1.2, "why", EINVALID},
		{"negative", -0.1, "why", EINVALID},
		{"no note", 0.8, " ", EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := OverrideScore(tt.score, tt.note)
			if got := ErrorCode(err); got != tt.code {
				t.Errorf("got %q (%v), want %q", got, err, tt.code)
			}
		})
	}
}

func TestGrade(t *testing.T) {
	tests := []struct {
		name  string
		score float64
		typ   ObjectiveType
		want  Grade
		en    string
	}{
		{"aspirational 0.7 is good", 0.7, Aspirational, GradeGood, "good: 0.7 is a good score for an aspirational OKR"},
		{"aspirational 0.69", 0.69, Aspirational, GradeProgress, "progress: below the 0.7 of an aspirational OKR"},
		{"aspirational 0.3", 0.3, Aspirational, GradeMissed, "short: well below the 0.7 of an aspirational OKR"},
		{"aspirational 1.0", 1, Aspirational, GradeMet, "exceeded: perhaps the goal was not ambitious enough"},
		{"committed 1.0 expected", 1, Committed, GradeMet, "met: a committed OKR is expected to reach 1.0"},
		{"committed 0.9 is missed", 0.9, Committed, GradeMissed, "missed: a committed OKR is expected to reach 1.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := GradeOf(tt.score, tt.typ); got != tt.want {
				t.Errorf("grade %s, want %s", got, tt.want)
			}
			if got := GradeText(tt.score, tt.typ, "en"); got != tt.en {
				t.Errorf("text %q, want %q", got, tt.en)
			}
			if GradeText(tt.score, tt.typ, "es") == "" {
				t.Error("no Spanish text")
			}
		})
	}
}

// TestObjectiveScoreRoundsHalfUp: the mean of two key result scores that
// falls on a half rounds up, whatever its binary error.
func TestObjectiveScoreRoundsHalfUp(t *testing.T) {
	o := Objective{KeyResults: []KeyResult{{Title: "a"}, {Title: "b"}}}
	c := CloseObjective(o, []KRStatus{{Progress: 0.01}, {Progress: 0.06}})
	if *c.Score != 0.04 {
		t.Errorf("objective of key results scoring 0.01 and 0.06 (mean 0.035) = %v, want 0.04", *c.Score)
	}
}
