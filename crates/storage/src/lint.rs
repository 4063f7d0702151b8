//! The schema lint: the isolation rules of the data plane, checked against a
//! live database's catalogue.
//!
//! It runs in the test suite against a freshly migrated database (and on
//! demand with `charter db lint` against every registered database), so a
//! migration that adds a table without the rules fails the build.

use std::collections::{HashMap, HashSet};

use tokio_postgres::Client;

use crate::{APP_ROLE, OWNER_ROLE, StoreError, admin::AdminConnection};

/// Tables that hold no tenant's data and are the same for every tenant.
/// They are the only tables without row-level security, and the lint checks
/// that the application role can only read them.
pub const GLOBAL_TABLES: &[&str] =
    &["charter.ddl_ledger", "charter.jurisdiction", "charter.legal_form", "charter.legal_form_name"];

/// The one policy expression a tenant table may rely on, as PostgreSQL
/// prints it back.
const TENANT_POLICY: &str = "(tenant_id = (NULLIF(current_setting('charter.tenant_id'::text, true), ''::text))::uuid)";

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Violation {
    /// The table, view, function or role at fault.
    pub object: String,
    /// A stable rule name, e.g. `rls_forced` or `pk_leads_with_tenant_id`.
    pub rule: &'static str,
    pub detail: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {} — {}", self.object, self.rule, self.detail)
    }
}

impl AdminConnection {
    /// Lints the database this connection is connected to.
    pub async fn lint_schema(&self) -> Result<Vec<Violation>, StoreError> {
        lint(self.client()).await
    }
}

async fn lint(client: &Client) -> Result<Vec<Violation>, StoreError> {
    let mut found = Vec::new();
    lint_roles(client, &mut found).await?;
    let relations = relations(client).await?;
    let globals: HashSet<&str> = GLOBAL_TABLES.iter().copied().collect();
    let tenant_tables: HashSet<u32> = relations
        .iter()
        .filter(|r| matches!(r.kind, 'r' | 'p') && !globals.contains(r.name.as_str()))
        .map(|r| r.oid)
        .collect();
    let constraints = constraints(client).await?;
    let policies = policies(client).await?;
    let unique_indexes = unique_indexes(client).await?;
    for relation in &relations {
        let violation = |rule: &'static str, detail: String| Violation { object: relation.name.clone(), rule, detail };
        match relation.kind {
            'S' => {
                found.push(violation("no_sequences", "ids are UUIDs; a sequence is shared state across tenants".into()))
            }
            'm' => found.push(violation(
                "no_materialized_views",
                "row-level security does not apply to materialized views".into(),
            )),
            'f' => found.push(violation("no_foreign_tables", "foreign tables bypass the tenant policy".into())),
            'v' if !relation.security_invoker => found.push(violation(
                "view_security_invoker",
                "views must be created WITH (security_invoker = true) so that the caller's row-level security applies"
                    .into(),
            )),
            'r' | 'p' if globals.contains(relation.name.as_str()) => {
                for privilege in &relation.app_privileges {
                    if privilege != "SELECT" {
                        found.push(violation(
                            "global_table_read_only",
                            format!("the application role has {privilege} on a global table"),
                        ));
                    }
                }
            }
            'r' | 'p' => {
                let no_constraints = Vec::new();
                let own_constraints = constraints.get(&relation.oid).unwrap_or(&no_constraints);
                lint_tenant_table(relation, own_constraints, &tenant_tables, &relations, &mut found);
                lint_tenant_policies(
                    relation,
                    policies.get(&relation.oid).map(Vec::as_slice).unwrap_or(&[]),
                    &mut found,
                );
                for index in unique_indexes.get(&relation.oid).map(Vec::as_slice).unwrap_or(&[]) {
                    if relation.tenant_attnum.is_none_or(|t| !index.columns.contains(&t)) {
                        found.push(violation(
                            "unique_includes_tenant_id",
                            format!(
                                "unique index {} does not include tenant_id: it would reveal other tenants' values",
                                index.name
                            ),
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    lint_functions(client, &mut found).await?;
    Ok(found)
}

struct Relation {
    oid: u32,
    name: String,
    kind: char,
    rls_enabled: bool,
    rls_forced: bool,
    security_invoker: bool,
    /// `attnum` of a `tenant_id uuid NOT NULL` column, if there is one.
    tenant_attnum: Option<i16>,
    tenant_column_problem: Option<String>,
    app_privileges: Vec<String>,
}

/// Every relation outside the system schemas, except those of extensions.
async fn relations(client: &Client) -> Result<Vec<Relation>, StoreError> {
    let rows = client
        .query(
            "SELECT c.oid, n.nspname || '.' || c.relname, c.relkind::text, c.relrowsecurity, c.relforcerowsecurity,
                    coalesce(c.reloptions, '{}') && ARRAY['security_invoker=true', 'security_invoker=on', 'security_invoker=1'],
                    a.attnum, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                    ARRAY(SELECT p FROM unnest(ARRAY['SELECT','INSERT','UPDATE','DELETE','TRUNCATE','REFERENCES','TRIGGER']) p
                          WHERE has_table_privilege($1::text, c.oid, p))
               FROM pg_catalog.pg_class c
               JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
               LEFT JOIN pg_catalog.pg_attribute a
                      ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
              WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
                AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
                AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                                 WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
              ORDER BY 2",
            &[&APP_ROLE],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let kind: String = r.get(2);
            let attnum: Option<i16> = r.get(6);
            let column_type: Option<String> = r.get(7);
            let not_null: Option<bool> = r.get(8);
            let tenant_column_problem = match (attnum, column_type.as_deref(), not_null) {
                (None, _, _) => Some("has no tenant_id column".to_owned()),
                (Some(_), Some(t), _) if t != "uuid" => Some(format!("tenant_id is {t}, not uuid")),
                (Some(_), _, Some(false)) => Some("tenant_id is nullable".to_owned()),
                _ => None,
            };
            Relation {
                oid: r.get(0),
                name: r.get(1),
                kind: kind.chars().next().unwrap_or('?'),
                rls_enabled: r.get(3),
                rls_forced: r.get(4),
                security_invoker: r.get(5),
                tenant_attnum: attnum.filter(|_| tenant_column_problem.is_none()),
                tenant_column_problem,
                app_privileges: r.get(9),
            }
        })
        .collect())
}

struct Constraint {
    name: String,
    kind: char,
    columns: Vec<i16>,
    referenced: Option<u32>,
    referenced_columns: Vec<i16>,
}

async fn constraints(client: &Client) -> Result<HashMap<u32, Vec<Constraint>>, StoreError> {
    let rows = client
        .query(
            "SELECT conrelid, conname, contype::text, coalesce(conkey, '{}'), nullif(confrelid, 0),
                    coalesce(confkey, '{}')
               FROM pg_catalog.pg_constraint
              WHERE contype IN ('p', 'u', 'f', 'x') AND conrelid <> 0",
            &[],
        )
        .await?;
    let mut by_table: HashMap<u32, Vec<Constraint>> = HashMap::new();
    for r in rows {
        let kind: String = r.get(2);
        by_table.entry(r.get(0)).or_default().push(Constraint {
            name: r.get(1),
            kind: kind.chars().next().unwrap_or('?'),
            columns: r.get(3),
            referenced: r.get(4),
            referenced_columns: r.get(5),
        });
    }
    Ok(by_table)
}

struct UniqueIndex {
    name: String,
    /// Key columns (0 for an expression).
    columns: Vec<i16>,
}

async fn unique_indexes(client: &Client) -> Result<HashMap<u32, Vec<UniqueIndex>>, StoreError> {
    let rows = client
        .query(
            "SELECT i.indrelid, c.relname, (i.indkey::int2[])[0:i.indnkeyatts - 1]
               FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
              WHERE i.indisunique",
            &[],
        )
        .await?;
    let mut by_table: HashMap<u32, Vec<UniqueIndex>> = HashMap::new();
    for r in rows {
        by_table.entry(r.get(0)).or_default().push(UniqueIndex { name: r.get(1), columns: r.get(2) });
    }
    Ok(by_table)
}

struct Policy {
    name: String,
    permissive: bool,
    command: char,
    applies_to_app: bool,
    /// Applies to the owner role only (and not to the application role).
    owner_only: bool,
    using: Option<String>,
    check: Option<String>,
}

async fn policies(client: &Client) -> Result<HashMap<u32, Vec<Policy>>, StoreError> {
    let rows = client
        .query(
            "SELECT polrelid, polname, polpermissive, polcmd::text,
                    0::oid = ANY (polroles) OR EXISTS (SELECT 1 FROM unnest(polroles) r
                                                       WHERE pg_has_role($1::text, r, 'MEMBER')),
                    pg_get_expr(polqual, polrelid), pg_get_expr(polwithcheck, polrelid),
                    polroles = ARRAY[(SELECT oid FROM pg_catalog.pg_roles WHERE rolname = $2)]
               FROM pg_catalog.pg_policy",
            &[&APP_ROLE, &OWNER_ROLE],
        )
        .await?;
    let mut by_table: HashMap<u32, Vec<Policy>> = HashMap::new();
    for r in rows {
        let command: String = r.get(3);
        by_table.entry(r.get(0)).or_default().push(Policy {
            name: r.get(1),
            permissive: r.get(2),
            command: command.chars().next().unwrap_or('?'),
            applies_to_app: r.get(4),
            using: r.get(5),
            check: r.get(6),
            owner_only: r.get::<_, Option<bool>>(7).unwrap_or(false),
        });
    }
    Ok(by_table)
}

fn lint_tenant_table(
    table: &Relation,
    constraints: &[Constraint],
    tenant_tables: &HashSet<u32>,
    relations: &[Relation],
    found: &mut Vec<Violation>,
) {
    let mut violation = |rule: &'static str, detail: String| {
        found.push(Violation { object: table.name.clone(), rule, detail });
    };
    if let Some(problem) = &table.tenant_column_problem {
        violation("tenant_id_column", format!("{problem}; every tenant table needs tenant_id uuid NOT NULL"));
    }
    if !table.rls_enabled {
        violation("rls_enabled", "row-level security is not enabled".into());
    }
    if !table.rls_forced {
        violation("rls_forced", "row-level security is not forced (the owner would bypass it)".into());
    }
    for privilege in &table.app_privileges {
        if matches!(privilege.as_str(), "TRUNCATE" | "REFERENCES" | "TRIGGER") {
            violation(
                "app_privileges",
                format!("the application role has {privilege} (TRUNCATE bypasses row-level security)"),
            );
        }
    }
    let tenant = table.tenant_attnum;
    let leads_with_tenant = |columns: &[i16]| tenant.is_some() && columns.first().copied() == tenant;
    match constraints.iter().find(|c| c.kind == 'p') {
        None => violation("pk_leads_with_tenant_id", "has no primary key".into()),
        Some(pk) if !leads_with_tenant(&pk.columns) => {
            violation("pk_leads_with_tenant_id", format!("primary key {} does not start with tenant_id", pk.name));
        }
        Some(_) => {}
    }
    for constraint in constraints {
        match constraint.kind {
            'u' | 'x' if tenant.is_none_or(|t| !constraint.columns.contains(&t)) => violation(
                "unique_includes_tenant_id",
                format!("constraint {} does not include tenant_id", constraint.name),
            ),
            'f' => {
                let Some(target) = constraint.referenced else {
                    continue;
                };
                if !tenant_tables.contains(&target) {
                    continue; // References a global table: allowed.
                }
                let target_tenant = relations.iter().find(|r| r.oid == target).and_then(|r| r.tenant_attnum);
                let target_leads =
                    target_tenant.is_some() && constraint.referenced_columns.first().copied() == target_tenant;
                if !leads_with_tenant(&constraint.columns) || !target_leads {
                    violation(
                        "fk_leads_with_tenant_id",
                        format!(
                            "foreign key {} must start with tenant_id on both sides, or it could point at another tenant's row",
                            constraint.name
                        ),
                    );
                }
            }
            _ => {}
        }
    }
}

fn lint_tenant_policies(table: &Relation, policies: &[Policy], found: &mut Vec<Violation>) {
    let mut violation = |rule: &'static str, detail: String| {
        found.push(Violation { object: table.name.clone(), rule, detail });
    };
    let permissive: Vec<&Policy> = policies.iter().filter(|p| p.permissive).collect();
    if !permissive.iter().any(|p| p.command == '*' && p.applies_to_app) {
        violation(
            "tenant_policy",
            "has no permissive policy for all commands that applies to the application role".into(),
        );
    }
    // Permissive policies are OR-ed: one loose policy opens the table. The
    // only other kind allowed lets the migration role read (plan, report).
    for policy in permissive {
        if policy.owner_only && !policy.applies_to_app && policy.command == 'r' {
            continue;
        }
        let using_ok = policy.using.as_deref() == Some(TENANT_POLICY);
        let check_ok = match policy.check.as_deref() {
            Some(check) => check == TENANT_POLICY,
            // Without WITH CHECK, PostgreSQL checks new rows with USING.
            None => using_ok && policy.command == '*',
        };
        if !using_ok || !check_ok {
            violation(
                "tenant_policy",
                format!(
                    "permissive policy {} must be exactly USING and WITH CHECK {TENANT_POLICY}; found USING {:?} WITH CHECK {:?}",
                    policy.name, policy.using, policy.check
                ),
            );
        }
    }
}

async fn lint_roles(client: &Client, found: &mut Vec<Violation>) -> Result<(), StoreError> {
    let Some(role) = client
        .query_opt(
            "SELECT rolsuper, rolbypassrls,
                    pg_has_role($1::text, $2::text, 'MEMBER'),
                    ARRAY(SELECT r.rolname::text FROM pg_catalog.pg_roles r
                           WHERE r.rolname <> $1 AND pg_has_role($1::text, r.oid, 'MEMBER')
                             AND (r.rolsuper OR r.rolbypassrls))
               FROM pg_catalog.pg_roles WHERE rolname = $1",
            &[&APP_ROLE, &OWNER_ROLE],
        )
        .await?
    else {
        found.push(Violation {
            object: APP_ROLE.into(),
            rule: "app_role_exists",
            detail: "the application role does not exist".into(),
        });
        return Ok(());
    };
    let mut violation = |rule: &'static str, detail: String| {
        found.push(Violation { object: APP_ROLE.into(), rule, detail });
    };
    if role.get::<_, bool>(0) {
        violation("app_not_superuser", "the application role is a superuser".into());
    }
    if role.get::<_, bool>(1) {
        violation("app_not_bypassrls", "the application role has BYPASSRLS".into());
    }
    if role.get::<_, bool>(2) {
        violation("app_not_owner_member", format!("the application role is a member of {OWNER_ROLE}"));
    }
    for powerful in role.get::<_, Vec<String>>(3) {
        violation(
            "app_not_bypassrls",
            format!("the application role inherits from {powerful}, a superuser or BYPASSRLS role"),
        );
    }
    let owned = client
        .query(
            "SELECT 'relation ' || c.oid::regclass::text FROM pg_catalog.pg_class c
              WHERE c.relowner = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = $1)
             UNION ALL
             SELECT 'schema ' || n.nspname FROM pg_catalog.pg_namespace n
              WHERE n.nspowner = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = $1)
             UNION ALL
             SELECT 'function ' || p.oid::regprocedure::text FROM pg_catalog.pg_proc p
              WHERE p.proowner = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = $1)
             UNION ALL
             SELECT 'type ' || t.oid::regtype::text FROM pg_catalog.pg_type t
              WHERE t.typowner = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = $1)
             UNION ALL
             SELECT 'database ' || d.datname FROM pg_catalog.pg_database d
              WHERE d.datname = current_database()
                AND d.datdba = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = $1)
             UNION ALL
             SELECT 'create on schema ' || n.nspname FROM pg_catalog.pg_namespace n
              WHERE n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
                AND has_schema_privilege($1::text, n.oid, 'CREATE')",
            &[&APP_ROLE],
        )
        .await?;
    for row in owned {
        let what: String = row.get(0);
        if what.starts_with("create on") {
            violation("app_owns_nothing", format!("the application role may {what}"));
        } else {
            violation("app_owns_nothing", format!("the application role owns {what}"));
        }
    }
    Ok(())
}

/// SECURITY DEFINER functions run with their owner's rights, and the owner
/// is not subject to the application role's view of the data.
async fn lint_functions(client: &Client, found: &mut Vec<Violation>) -> Result<(), StoreError> {
    let rows = client
        .query(
            "SELECT p.oid::regprocedure::text FROM pg_catalog.pg_proc p
               JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
              WHERE p.prosecdef AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
                AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                                 WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')",
            &[],
        )
        .await?;
    for row in rows {
        found.push(Violation {
            object: row.get(0),
            rule: "no_security_definer",
            detail: "SECURITY DEFINER functions run with their owner's rights and can bypass row-level security".into(),
        });
    }
    Ok(())
}
