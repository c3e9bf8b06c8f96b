package sqlstore_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/sqlstore"
	"github.com/rumbo-app/rumbo/sqlstore/sqlstoretest"
)

// BenchmarkPutDeals measures inserting deals with resolved references in
// one transaction per b.N deals, then re-putting them unchanged.
func BenchmarkPutDeals(b *testing.B) {
	for _, engine := range []string{sqlstore.DialectSQLite, sqlstore.DialectPostgres} {
		b.Run(engine, func(b *testing.B) {
			var db *sqlstore.DB
			if engine == sqlstore.DialectSQLite {
				db = sqlstoretest.MustOpenDB(b)
			} else {
				db = sqlstoretest.MustOpenPostgres(b)
			}
			ctx := context.Background()
			o := rumbo.Org{Slug: "bench"}
			if err := db.CreateOrg(ctx, &o); err != nil {
				b.Fatal(err)
			}
			deals := make([]rumbo.Deal, b.N)
			for i := range deals {
				deals[i] = rumbo.Deal{ExternalID: fmt.Sprint("D", i), Owner: fmt.Sprint("Rep ", i%35), Customer: fmt.Sprint("Account ", i%85),
					Market: "España", Amount: money(int64(i)), CreatedAt: day(1 + i%28), Status: rumbo.DealWon, ClosedAt: day(2 + i%28)}
			}
			b.ResetTimer()
			err := db.Write(ctx, o.ID, rumbo.WriteOptions{Now: t0}, func(w rumbo.Writer) error {
				for i := range deals {
					if _, err := w.Put(ctx, &deals[i]); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		})
	}
}
