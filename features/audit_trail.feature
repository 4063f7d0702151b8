Feature: Audit trail
  Scenario: Every change is audited and tamper-evident
    When I make 100 changes through the API
    Then 100 audit events exist, each naming its actor and change
    And "charter audit verify" reports the chain intact
    And after one audit row is altered in the database "charter audit verify" names that event
