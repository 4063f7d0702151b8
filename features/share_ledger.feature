Feature: Share ledger and registers
  Background:
    Given entity "HoldCo" with class "Ordinary" of 1,000 authorised shares

  Scenario: Register as of a date
    Given 600 shares issued to "Pat Smith" on 2022-01-01 and 400 to "Lee Chan" on 2023-01-01
    And 100 transferred from "Pat Smith" to "Lee Chan" on 2024-01-01
    Then the register as of 2022-06-30 shows "Pat Smith" 600 (100 %)
    And the register as of 2023-06-30 shows "Pat Smith" 600 (60 %) and "Lee Chan" 400 (40 %)
    And the register as of 2024-06-30 shows "Pat Smith" 500 (50 %) and "Lee Chan" 500 (50 %)

  Scenario: A back-dated transfer that would overdraw a later position is refused
    Given 600 shares issued to "Pat Smith" on 2022-01-01 and 500 of them transferred to "Lee Chan" on 2024-01-01
    When I record a transfer of 200 shares from "Pat Smith" to "Kim Park" dated 2023-01-01
    Then the response status is 422 naming 2024-01-01

  Scenario: Issuance beyond authorised is refused
    When I issue 1,001 shares of "Ordinary"
    Then the response status is 422

  Scenario: The register exports as CSV and the beneficial owners as BODS 0.4
    Given 600 shares issued to "Pat Smith" on 2022-01-01 and 400 to "Lee Chan" on 2023-01-01
    Then the register as of 2023-06-30 exported as CSV lists "Pat Smith" 600 (60 %) and "Lee Chan" 400 (40 %)
    And the BODS statements of the beneficial owners as of 2023-06-30 name "Pat Smith" with 60 % and "Lee Chan" with 40 %

  Scenario: A transaction recorded in error is reversed, never edited
    Given 600 shares issued to "Pat Smith" on 2022-01-01 and 400 to "Lee Chan" on 2023-01-01
    And 100 transferred from "Pat Smith" to "Lee Chan" on 2024-01-01
    When I reverse the transaction of 2024-01-01 because "recorded against the wrong holder"
    Then the response status is 201
    And the register as of 2024-06-30 shows "Pat Smith" 600 (60 %) and "Lee Chan" 400 (40 %)
    And the register as of 2024-06-30 as known before the reversal shows "Pat Smith" 500 (50 %) and "Lee Chan" 500 (50 %)
    And the ledger keeps the transaction of 2024-01-01 and lists its reversal with the reason "recorded against the wrong holder"
    And the ledger names the transfer's holders "Pat Smith" and "Lee Chan" and class "Ordinary" and marks it reversed by the reversal
    And the ledger exported as CSV has a line per transaction in date order, the transfer's naming its reversal
    When I reverse the transaction of 2024-01-01 again
    Then the response status is 422 naming "id" with rule "reversed_once" and the ledger is unchanged

  Scenario: An entity's audit trail includes its share capital and officers
    Given 600 shares issued to "Pat Smith" on 2022-01-01 and 400 to "Lee Chan" on 2023-01-01
    And "Pat Smith" appointed director of "HoldCo" on 2022-01-01
    When I reverse the transaction of 2023-01-01 because "never issued"
    Then the audit trail of "HoldCo" lists its creation, its class, the appointment, both issuances and the reversal, oldest first
    And the audit trail of another entity lists none of them
    And the audit trail of "HoldCo" newest first, two events a page, lists the same events in reverse order
    And an audit trail asked for entity "not-an-id" is refused naming "entity_id"
    And an audit trail asked in order "sideways" is refused naming "order"

  Scenario: Authorised capital raised from a date by resolution
    Given 600 shares issued to "Pat Smith" on 2022-01-01 and 400 to "Lee Chan" on 2023-01-01
    When the authorised capital of "Ordinary" is changed to 5,000 shares from 2024-01-01 because "ordinary resolution 12"
    Then the response status is 200
    And "Ordinary" is authorised for 1,000 shares from 2020-01-01 until 2024-01-01 and 5,000 from 2024-01-01
    And the authorised capital on 2024-06-30 as known before the change is 1,000
    When I record an issuance of 3,000 shares to "Kim Park" dated 2024-06-30
    Then the response status is 201
    When I record an issuance of 100 shares to "Kim Park" dated 2023-06-30
    Then the response status is 422 naming 2023-06-30
    When the authorised capital of "Ordinary" is changed to 900 shares from 2023-06-30 because "never resolved"
    Then the response status is 422 naming 2023-06-30
    And "Ordinary" is authorised for 1,000 shares from 2020-01-01 until 2024-01-01 and 5,000 from 2024-01-01

  Scenario: A reversal that would overdraw a later position is refused
    Given 600 shares issued to "Pat Smith" on 2022-01-01 and 500 of them transferred to "Lee Chan" on 2024-01-01
    When I reverse the transaction of 2022-01-01 because "never issued"
    Then the response status is 422 naming 2024-01-01
