@serial
Feature: Fleet migrations
  Background:
    Given 3 shared databases holding 3,000 tenants in all, and 2 dedicated databases

  Scenario: DDL once per database, DML once per tenant
    Given a new DDL migration that adds a column and a DML migration that fills it for each tenant
    When I run "charter migrate apply"
    Then each of the 5 databases records the DDL exactly once
    And each of the 3,002 tenants records the DML exactly once
    And each tenant's rows were filled by its own DML only

  Scenario: A crash mid-run loses nothing and repeats nothing
    Given a new DDL migration that adds a column and a DML migration that fills it for each tenant
    When "charter migrate apply" is killed with SIGKILL at a random moment, 10 times in a row, and then run to completion
    Then every tenant is at the latest version and no DML took effect twice
    And no advisory lock is left held

  Scenario: A failing tenant does not stop the fleet
    Given a DML migration that fails for exactly one tenant
    When I run "charter migrate apply"
    Then it reports that tenant with its error and exits non-zero
    And every other tenant is migrated

  Scenario: An edited migration is refused
    Given migration 0002 was applied and its file has changed since
    When I run "charter migrate plan"
    Then it exits non-zero naming 0002 and the checksum mismatch

  Scenario: Contract waits for its data migration
    Given a contract DDL that depends on a DML not yet applied to every tenant of a database
    When I run "charter migrate apply" while that DML fails for one tenant
    Then the contract DDL is not applied to that database
