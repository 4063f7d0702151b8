Feature: Share ledger

  Scenario: Reversing a transfer entered in error
    Given an entity whose ledger has 600 shares issued to "Pat Smith" and 100 of them transferred to "Lee Chan"
    When I open its share ledger and reverse the transfer giving the reason "Entered against the wrong holder"
    Then the transfer is shown as reversed and a reversal row names the transfer
    And the ownership tab shows "Pat Smith" with 600 shares and no "Lee Chan"
    And the audit tab lists the reversal first, then the transfer and the issuance

  Scenario: A reversal the ledger cannot take is refused with the date
    Given an entity whose ledger has 600 shares issued to "Pat Smith" and 100 of them transferred to "Lee Chan"
    When I open its share ledger and try to reverse the issuance
    Then the form shows the refusal naming the transfer's date and the ledger is unchanged

  Scenario: Recording a transfer from the ledger tab
    Given an entity whose ledger has 600 shares issued to "Pat Smith" and 100 of them transferred to "Lee Chan"
    When I record a transfer of 50 shares from "Pat Smith" to "Lee Chan" dated 2025-01-01 on its share ledger
    Then the ledger lists the transfer of 2025-01-01
    And the ownership tab as of 2025-06-30 shows "Pat Smith" with 450 shares and "Lee Chan" with 150 shares

  Scenario: A transfer of more shares than the holder has is refused next to the shares
    Given an entity whose ledger has 600 shares issued to "Pat Smith" and 100 of them transferred to "Lee Chan"
    When I try to record a transfer of 200 shares from "Lee Chan" to "Pat Smith" dated 2025-01-01
    Then the form shows the refusal naming 2025-01-01 and the ledger is unchanged
