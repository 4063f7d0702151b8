Feature: Tenant isolation in a shared database
  Background:
    Given tenants "acme" and "globex" onboarded with placement "shared"
    And both tenants live in the same shared database
    And "acme" has a legal entity "Acme Holdings Ltd"

  Scenario: A tenant's key cannot reach another tenant
    When "globex"'s key lists the entities of tenant "acme"
    Then the response status is 403 or 404
    And the body contains no entity data

  Scenario: Another tenant's id is not found through one's own tenant
    When "globex"'s key requests the id of "Acme Holdings Ltd" under tenant "globex"
    Then the response status is 404

  Scenario: The database itself refuses cross-tenant access
    Given a connection as the application role with tenant "globex" set for the transaction
    When it counts the rows of every tenant table without any filter
    Then it counts no row of "acme"
    And an UPDATE or DELETE of "acme"'s rows affects 0 rows
    And an INSERT carrying "acme"'s tenant_id is rejected

  Scenario: No tenant, no data
    Given a connection as the application role with no tenant set
    Then every tenant table reads as empty and every insert is rejected

  Scenario: Pooled connections never leak a tenant
    When 10,000 requests for 50 tenants run concurrently through a pool of 4 connections
    Then every response holds only rows of the caller's tenant
