Feature: Ownership settings and ultimate parents
  Beneficial owners are the natural persons whose effective capital or votes
  reach the tenant's threshold (25 % unless the tenant's admin changes it),
  and the ultimate parents of an entity are the entities at the top of the
  chains of shareholdings above it, the one reached through majorities
  marked as controlling.

  Scenario: The tenant's threshold decides who is a beneficial owner
    Given "Pat Smith" holds 12 % of "HoldCo"
    Then the tenant's beneficial ownership threshold is 25 %
    And "HoldCo" has no beneficial owner under the tenant's threshold of 25 %
    When the tenant admin sets the beneficial ownership threshold to 10 %
    Then the settings now say 10 %, audited as a change from 25 to 10
    And "Pat Smith" is the beneficial owner of "HoldCo" under the tenant's threshold of 10 %
    And the BODS statements of "HoldCo" apply the tenant's threshold of 10 % and name "Pat Smith"

  Scenario Outline: A bad threshold gets 422 naming the field, and nothing changes
    When the tenant admin sets the beneficial ownership threshold to <value>
    Then the response status is 422 naming "beneficial_ownership_threshold_pct" and the settings are unchanged

    Examples:
      | value |
      | 0     |
      | 101   |
      | "ten" |

  Scenario: Only a tenant admin changes the settings
    When a tenant editor sets the beneficial ownership threshold to 10 %
    Then the response status is 403 and the settings are unchanged

  Scenario: The top of a chain of majorities is the ultimate controlling parent
    Given "Top" holds 60 % of "Mid", "Lee Chan" holds 40 % of "Mid", "Mid" holds 70 % of "Sub" and "Pat Smith" holds 30 % of "Sub"
    Then the ultimate parents of "Sub" are "Top" with 42 % of its votes
    And "Top" is the ultimate controlling parent of "Sub", through "Mid"

  Scenario: An entity with two unrelated top holders lists both
    Given "North" holds 50 % of "Joint" and "South" holds 50 % of "Joint"
    Then the ultimate parents of "Joint" are "North" with 50 % and "South" with 50 % of its votes
    And "Joint" has no ultimate controlling parent

  Scenario: GLEIF's ultimate consolidating parent is listed as such
    When GLEIF's records say that a subsidiary of Shell plc is ultimately consolidated by Shell plc
    Then the ultimate parents of that subsidiary list Shell plc from GLEIF, and no shareholding
