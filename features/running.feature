Feature: Running Charter with the embedded default
  Scenario: The demo serves the API on a private PostgreSQL cluster, and again after a restart
    Given an empty data directory and no database URL
    When "charter demo" starts
    Then it prints the URL and a platform admin key
    And the API lists the demo tenants with that key
    And the demo's entities have histories, officers and custom fields
    And the demo's group has share registers and effective owners
    And the demo includes Shell plc's group imported from GLEIF
    And "/readyz" reports the control plane and every database ready
    When it is stopped with SIGTERM
    Then it exits cleanly and its PostgreSQL cluster is stopped
    When "charter demo" starts again on the same data directory
    Then the API lists the demo tenants with that key
    When it is stopped with SIGTERM
    Then it exits cleanly and its PostgreSQL cluster is stopped
