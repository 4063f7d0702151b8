Feature: Legal entity register
  Scenario: Registering a German GmbH
    When I create an entity "Beispiel GmbH" in jurisdiction "DE" with legal form "2HBR" and LEI "851WYGNLUQLFZBSYGB56"
    Then it is listed with legal form "Gesellschaft mit beschränkter Haftung"

  Scenario: A legal form of another jurisdiction is refused
    When I create an entity in jurisdiction "FR" with legal form "2HBR"
    Then the response status is 422 and it names "legal_form"

  Scenario: An LEI with wrong check digits is refused
    When I create an entity with LEI "5493001KJTIIGC8Y1R13"
    Then the response status is 422 and it names "lei"
