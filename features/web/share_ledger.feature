Feature: Share ledger

  Scenario: Reversing a transfer entered in error
    Given an entity whose ledger has 600 shares issued to "Pat Smith" and 100 of them transferred to "Lee Chan"
    When I open its share ledger and reverse the transfer giving the reason "Entered against the wrong holder"
    Then the transfer is shown as reversed and a reversal row names the transfer
    And the ownership tab shows "Pat Smith" with 600 shares and no "Lee Chan"

  Scenario: A reversal the ledger cannot take is refused with the date
    Given an entity whose ledger has 600 shares issued to "Pat Smith" and 100 of them transferred to "Lee Chan"
    When I open its share ledger and try to reverse the issuance
    Then the form shows the refusal naming the transfer's date and the ledger is unchanged
