Feature: Share certificates
  A class of shares that issues certificates keeps a register of them: each
  certificate has a number unique within the class, a holder, a number of
  shares within the holder's holding on its issue date, and a status whose
  changes (cancelled, lost, replaced) are kept as history.

  Background:
    Given entity "HoldCo" with class "Ordinary" of 1,000 authorised shares
    And 600 shares issued to "Pat Smith" on 2022-01-01 and 400 to "Lee Chan" on 2023-01-01

  Scenario: Certificates are issued to the holders of a certificated class and listed
    Given class "Ordinary" of "HoldCo" issues certificates
    When I issue certificate "ORD-001" of "Ordinary" to "Pat Smith" for 600 shares dated 2022-01-01
    And I issue certificate "7" of "Ordinary" to "Lee Chan" for 400 shares dated 2023-01-01
    Then the certificates of "Ordinary" are
      | number  | holder    | shares | issued_on  | status |
      | ORD-001 | Pat Smith | 600    | 2022-01-01 | issued |
      | 7       | Lee Chan  | 400    | 2023-01-01 | issued |

  Scenario: A certificate for more shares than the holder holds is refused
    Given class "Ordinary" of "HoldCo" issues certificates
    When I issue certificate "ORD-001" of "Ordinary" to "Lee Chan" for 401 shares dated 2023-01-01
    Then the response status is 422 naming "shares" with rule "exceeds_holding" and no certificate is written
    When I issue certificate "ORD-001" of "Ordinary" to "Lee Chan" for 400 shares dated 2022-12-31
    Then the response status is 422 naming "shares" with rule "exceeds_holding" and no certificate is written

  Scenario: A holder's outstanding certificates may not cover more than the holding
    Given class "Ordinary" of "HoldCo" issues certificates
    And certificate "ORD-001" of "Ordinary" issued to "Pat Smith" for 400 shares on 2022-01-01
    When I issue certificate "ORD-002" of "Ordinary" to "Pat Smith" for 201 shares dated 2022-02-01
    Then the response status is 422 naming "shares" with rule "outstanding_exceeds_holding" and no certificate is written

  Scenario: A duplicate number gets 409
    Given class "Ordinary" of "HoldCo" issues certificates
    And certificate "ORD-001" of "Ordinary" issued to "Pat Smith" for 300 shares on 2022-01-01
    When I issue certificate "ORD-001" of "Ordinary" to "Lee Chan" for 300 shares dated 2023-01-01
    Then the response status is 409 and no certificate is written

  Scenario: Cancelling and replacing keeps the history
    Given class "Ordinary" of "HoldCo" issues certificates
    And certificate "ORD-001" of "Ordinary" issued to "Pat Smith" for 600 shares on 2022-01-01
    And certificate "ORD-002" of "Ordinary" issued to "Lee Chan" for 400 shares on 2023-01-01
    When I cancel certificate "ORD-002" of "Ordinary" on 2024-01-01
    And I replace certificate "ORD-001" of "Ordinary" with "ORD-003" on 2024-02-01
    Then the certificates of "Ordinary" are
      | number  | holder    | shares | issued_on  | status    |
      | ORD-001 | Pat Smith | 600    | 2022-01-01 | replaced  |
      | ORD-002 | Lee Chan  | 400    | 2023-01-01 | cancelled |
      | ORD-003 | Pat Smith | 600    | 2024-02-01 | issued    |
    And certificate "ORD-001" of "Ordinary" has the history issued on 2022-01-01, replaced on 2024-02-01 by "ORD-003"
    And certificate "ORD-002" of "Ordinary" has the history issued on 2023-01-01, cancelled on 2024-01-01
    And the certificates of "Ordinary" with status "issued" are "ORD-003"
    When I cancel certificate "ORD-002" of "Ordinary" on 2024-03-01
    Then the response status is 409 and no certificate is written

  Scenario: A lost certificate is replaced, and a class with outstanding certificates stays certificated
    Given class "Ordinary" of "HoldCo" issues certificates
    And certificate "ORD-001" of "Ordinary" issued to "Pat Smith" for 600 shares on 2022-01-01
    When I report certificate "ORD-001" of "Ordinary" lost on 2024-01-01
    And I replace certificate "ORD-001" of "Ordinary" with "ORD-002" on 2024-01-15
    Then certificate "ORD-001" of "Ordinary" has the history issued on 2022-01-01, lost on 2024-01-01, replaced on 2024-01-15 by "ORD-002"
    When I set class "Ordinary" not to issue certificates
    Then the response status is 422 naming "certificated" with rule "has_certificates" and no certificate is written

  Scenario: A certificate on a class that does not issue certificates is refused
    When I issue certificate "ORD-001" of "Ordinary" to "Pat Smith" for 600 shares dated 2022-01-01
    Then the response status is 422 naming "share_class_id" with rule "certificated" and no certificate is written

  Scenario: Unknown classes and certificates are not found
    When I ask for the certificates of class "01a22700-0000-7000-8000-000000000001"
    Then the response status is 404
    When I ask for certificate "01a22700-0000-7000-8000-000000000002"
    Then the response status is 404
    When I ask for certificate "not-a-uuid"
    Then the response status is 400

  Scenario: Certificated shares change hands only once their certificate is cancelled
    Given class "Ordinary" of "HoldCo" issues certificates
    And certificate "ORD-001" of "Ordinary" issued to "Pat Smith" for 600 shares on 2022-01-01
    When I record a transfer of 100 shares from "Pat Smith" to "Lee Chan" dated 2024-01-01
    Then the response status is 422 naming 2024-01-01
    When I cancel certificate "ORD-001" of "Ordinary" on 2024-01-01
    And I record a transfer of 100 shares from "Pat Smith" to "Lee Chan" dated 2024-01-01
    Then the response status is 201
