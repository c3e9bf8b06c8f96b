package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/rumbo-app/rumbo"
	rhttp "github.com/rumbo-app/rumbo/http"
	"github.com/rumbo-app/rumbo/sqlstore"
)

func (a *app) orgCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "org", Short: "Add and list organisations"}
	var name, tz, currency string
	add := &cobra.Command{
		Use:   "add SLUG",
		Short: "Add an organisation (a company whose data never crosses to another)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := a.open(cmd.Context(), false)
			if err != nil {
				return err
			}
			defer db.Close()
			org := &rumbo.Org{Slug: args[0], Name: name, TimeZone: tz, Currency: currency}
			if err := db.CreateOrg(cmd.Context(), org); err != nil {
				return err
			}
			a.printf("Created organisation %q (time zone %s, currency %s).\n", org.Slug, org.TimeZone, org.Currency)
			return nil
		},
	}
	add.Flags().StringVar(&name, "name", "", "display name (default: the slug)")
	add.Flags().StringVar(&tz, "timezone", rumbo.DefaultTimeZone, "IANA time zone periods are cut in")
	add.Flags().StringVar(&currency, "currency", rumbo.DefaultCurrency, "ISO 4217 currency of every amount")
	list := &cobra.Command{
		Use:   "list",
		Short: "List organisations",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := a.open(cmd.Context(), false)
			if err != nil {
				return err
			}
			defer db.Close()
			orgs, err := db.Orgs(cmd.Context())
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "slug\tname\ttime zone\tcurrency")
			for _, o := range orgs {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", o.Slug, o.Name, o.TimeZone, o.Currency)
			}
			return tw.Flush()
		},
	}
	cmd.AddCommand(add, list)
	return cmd
}

// readPassword returns RUMBO_PASSWORD, or asks twice on a terminal. With
// neither it returns "" so that the caller prints an invitation link.
func (a *app) readPassword() (string, error) {
	if pw := a.getenv("RUMBO_PASSWORD"); pw != "" {
		return pw, rumbo.ValidatePassword(pw)
	}
	f, ok := a.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", nil
	}
	fmt.Fprint(a.stderr, "Password: ")
	pw, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(a.stderr)
	if err != nil {
		return "", err
	}
	if err := rumbo.ValidatePassword(string(pw)); err != nil {
		return "", err
	}
	fmt.Fprint(a.stderr, "Again: ")
	again, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(a.stderr)
	if err != nil {
		return "", err
	}
	if string(again) != string(pw) {
		return "", rumbo.Errorf(rumbo.EINVALID, "the passwords differ")
	}
	return string(pw), nil
}

// setPasswordOrInvite sets the password read by readPassword, or prints a
// one-time link to set one.
func (a *app) setPasswordOrInvite(ctx context.Context, db *sqlstore.DB, u *rumbo.User, orgID int64, purpose, baseURL string) error {
	pw, err := a.readPassword()
	if err != nil {
		return err
	}
	if pw != "" {
		if err := db.SetPasswordHash(ctx, u.ID, rhttp.DefaultHasher.Hash(pw)); err != nil {
			return err
		}
		if purpose == rumbo.InviteOperatorReset {
			if err := db.DeleteUserSessions(ctx, u.ID); err != nil {
				return err
			}
			if err := rhttp.RevokeTokens(ctx, db, u.ID, a.now()); err != nil {
				return err
			}
		}
		a.printf("Password set for %s.\n", u.Email)
		return nil
	}
	secret := rumbo.NewSecret("")
	now := a.now()
	inv := &rumbo.Invite{Hash: rumbo.HashSecret(secret), UserID: u.ID, OrgID: orgID, Purpose: purpose,
		CreatedAt: now, ExpiresAt: now.Add(rhttp.DefaultInviteTTL)}
	if err := db.CreateInvite(ctx, inv); err != nil {
		return err
	}
	a.printf("No password given (RUMBO_PASSWORD or a terminal). Send %s this one-time link, valid until %s:\n%s\n",
		u.Email, inv.ExpiresAt.UTC().Format("2006-01-02 15:04 MST"), rhttp.InviteURL(orDefault(baseURL, "http://"+DefaultAddr), secret))
	return nil
}

func (a *app) userCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Add users, set passwords and roles, list users"}
	var role, name, person, baseURL string
	baseURL = a.getenv("RUMBO_BASE_URL")
	add := &cobra.Command{
		Use:   "add EMAIL --org SLUG --role ROLE",
		Short: "Add a user to an organisation with a role (admin, manager, member, viewer)",
		Long: `add creates the user (or finds them: users are global) and gives them the role
in the --org organisation. The password comes from RUMBO_PASSWORD or a prompt;
without either (no terminal), a one-time invitation link is printed instead.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			r, err := rumbo.ParseRole(role)
			if err != nil {
				return err
			}
			db, org, err := a.openOrg(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			u, err := db.FindUserByEmail(ctx, args[0])
			if rumbo.ErrorCode(err) == rumbo.ENOTFOUND {
				u = &rumbo.User{Email: args[0], Name: name}
				err = db.CreateUser(ctx, u)
			}
			if err != nil {
				return err
			}
			if err := db.SetMembership(ctx, &rumbo.Membership{UserID: u.ID, OrgID: org.ID, Role: r, Person: person}); err != nil {
				return err
			}
			a.printf("User %s is %s of %q.\n", u.Email, r, org.Slug)
			if u.PasswordHash != "" {
				return nil
			}
			return a.setPasswordOrInvite(ctx, db, u, org.ID, rumbo.InviteNewUser, baseURL)
		},
	}
	add.Flags().StringVar(&role, "role", "", "admin, manager, member or viewer (required)")
	add.Flags().StringVar(&name, "name", "", "the user's name")
	add.Flags().StringVar(&person, "person", "", "the person (rep) this user is, by name, so a member sees their own figures")
	add.Flags().StringVar(&baseURL, "base-url", baseURL, "public URL of the server, for invitation links (env RUMBO_BASE_URL)")
	add.MarkFlagRequired("role")

	passwd := &cobra.Command{
		Use:   "passwd EMAIL",
		Short: "Set a user's password (RUMBO_PASSWORD or a prompt), or print a reset link",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			db, err := a.open(ctx, false)
			if err != nil {
				return err
			}
			defer db.Close()
			u, err := db.FindUserByEmail(ctx, args[0])
			if err != nil {
				return err
			}
			ms, err := db.Memberships(ctx, u.ID)
			if err != nil {
				return err
			}
			if len(ms) == 0 {
				return rumbo.Errorf(rumbo.EINVALID, "%s belongs to no organisation", u.Email)
			}
			return a.setPasswordOrInvite(ctx, db, u, ms[0].OrgID, rumbo.InviteOperatorReset, baseURL)
		},
	}
	passwd.Flags().StringVar(&baseURL, "base-url", baseURL, "public URL of the server, for reset links (env RUMBO_BASE_URL)")

	var newRole string
	roleCmd := &cobra.Command{
		Use:   "role EMAIL --org SLUG --role ROLE",
		Short: "Change a user's role in an organisation",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			r, err := rumbo.ParseRole(newRole)
			if err != nil {
				return err
			}
			db, org, err := a.openOrg(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			u, err := db.FindUserByEmail(ctx, args[0])
			if err != nil {
				return err
			}
			m, err := db.FindMembership(ctx, u.ID, org.ID)
			if err != nil {
				return err
			}
			m.Role = r
			if err := db.SetMembership(ctx, m); err != nil {
				return err
			}
			a.printf("User %s is %s of %q.\n", u.Email, r, org.Slug)
			return nil
		},
	}
	roleCmd.Flags().StringVar(&newRole, "role", "", "admin, manager, member or viewer (required)")
	roleCmd.MarkFlagRequired("role")

	list := &cobra.Command{
		Use:   "list",
		Short: "List users and their roles",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			db, err := a.open(ctx, false)
			if err != nil {
				return err
			}
			defer db.Close()
			users, err := db.Users(ctx)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "id\te-mail\tname\tpassword\troles")
			for _, u := range users {
				ms, err := db.Memberships(ctx, u.ID)
				if err != nil {
					return err
				}
				var roles []string
				for _, m := range ms {
					roles = append(roles, m.OrgSlug+":"+string(m.Role))
				}
				pw := "set"
				if u.PasswordHash == "" {
					pw = "invited"
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", u.ID, u.Email, u.Name, pw, strings.Join(roles, ", "))
			}
			return tw.Flush()
		},
	}
	cmd.AddCommand(add, passwd, roleCmd, list)
	return cmd
}

func (a *app) tokenCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "Create and revoke API tokens"}
	var user, name string
	create := &cobra.Command{
		Use:   "create --user EMAIL --org SLUG [--name N]",
		Short: "Create an API token for a user in an organisation; the token is shown once, on the last line",
		Args:  cobra.NoArgs,
		RunE: a.withOrg(func(cmd *cobra.Command, _ []string, db *sqlstore.DB, org *rumbo.Org) error {
			ctx := cmd.Context()
			u, err := db.FindUserByEmail(ctx, user)
			if err != nil {
				return err
			}
			if _, err := db.FindMembership(ctx, u.ID, org.ID); err != nil {
				return rumbo.Errorf(rumbo.EINVALID, "%s is not a member of %q", u.Email, org.Slug)
			}
			t, secret, err := rhttp.CreateToken(ctx, db, u.ID, org.ID, name, a.now())
			if err != nil {
				return err
			}
			a.printf("Token %d for %s in %q. Keep it secret; it is not shown again:\n%s\n", t.ID, u.Email, org.Slug, secret)
			return nil
		}),
	}
	create.Flags().StringVar(&user, "user", "", "the user's e-mail (required)")
	create.Flags().StringVar(&name, "name", "", "what the token is for, e.g. crm-sync")
	create.MarkFlagRequired("user")
	revoke := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke an API token by id",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return rumbo.Errorf(rumbo.EINVALID, "token id %q is not a number", args[0])
			}
			db, err := a.open(cmd.Context(), false)
			if err != nil {
				return err
			}
			defer db.Close()
			if err := db.RevokeToken(cmd.Context(), 0, id, a.now()); err != nil {
				return err
			}
			a.printf("Token %d revoked.\n", id)
			return nil
		},
	}
	cmd.AddCommand(create, revoke)
	return cmd
}
