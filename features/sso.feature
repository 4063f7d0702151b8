Feature: Single sign-on
  Staff sign in with the firm's identity provider (here the real
  `oidc-provider` package on loopback), once, and work across every client
  they serve; host platforms forward the provider's access tokens; other
  systems use integration keys.

  Background:
    Given the firm's identity provider and Charter connected to it
    And tenants "acme" and "globex"

  Scenario: A staff member signs in and sees only their tenants
    Given "sam@firm.example" is an editor of "acme" and a viewer of "globex" at the identity provider's firm
    When Sam signs in through the identity provider
    Then "GET /api/v1/me" lists exactly "acme" as editor and "globex" as viewer
    And Sam can create an entity in "acme" but gets 403 creating one in "globex"
    And Sam gets 403 or 404 for any tenant not listed

  Scenario: Business development onboards without reading client data
    Given "bd@firm.example" has the platform role "business-development"
    When BD onboards tenant "initech"
    Then the response status is 201
    And BD can set up "initech": its modules and its first admin, but not read its entities
    And BD gets 403 or 404 listing the entities of "acme"

  Scenario Outline: Bad tokens are refused
    When a request carries a token that is <defect>
    Then the response status is 401 and an audit event records the failure

    Examples:
      | defect                                     |
      | signed by an unknown key                   |
      | expired                                    |
      | issued for another audience                |
      | issued by another issuer                   |
      | unsigned with alg none                     |
      | HMAC-signed with the provider's public key |
      | altered after signing                      |
      | not yet valid                              |

  Scenario: The provider rotates its signing key
    Given a token signed with the provider's current key is accepted
    When the identity provider starts signing with a new key
    Then tokens signed with the new key are accepted without a restart

  Scenario: A revoked integration key stops at once
    Given an integration key of "acme"
    When a tenant admin revokes it
    Then the next request with it gets 401

  Scenario: A host platform forwards its user's access token, refreshed
    Given "sam@firm.example" is an editor of "acme" and a viewer of "globex" at the identity provider's firm
    When the host platform signs Sam in with its own client and calls Charter with the access token
    Then Charter answers as Sam with "acme" as editor
    And after the host refreshes the token Charter still answers as Sam

  Scenario: A replayed state is refused and recorded
    When Sam signs in through the identity provider and the provider's answer is replayed
    Then the replay gets 401 and an audit event records the failed sign-in

  Scenario: A write with the session cookie but without the CSRF token is refused
    Given "sam@firm.example" is an editor of "acme" and a viewer of "globex" at the identity provider's firm
    When Sam signs in through the identity provider
    Then creating an entity in "acme" without the CSRF token gets 403 and writes nothing

  Scenario: Signing out ends the session and the provider's
    Given "sam@firm.example" is an editor of "acme" and a viewer of "globex" at the identity provider's firm
    When Sam signs in through the identity provider
    And Sam signs out
    Then the browser is sent to the provider's logout and back to Charter
    And the session cookie no longer opens "GET /api/v1/me"

  Scenario: A membership limited to an entity group reaches only that group's entities
    Given entity group "Europe" of "acme" holds "Acme Europe SAS" and not "Acme Holdings Ltd"
    And "sam@firm.example" is an editor of "acme" limited to entity group "Europe"
    When Sam signs in through the identity provider
    Then Sam's list of the entities of "acme" shows exactly "Acme Europe SAS"
    And Sam gets 404 reading "Acme Holdings Ltd" and 403 listing the persons of "acme"
    And Sam can rename "Acme Europe SAS" but not move it out of "Europe"

  Scenario: An integration key limited to an entity group
    Given entity group "Europe" of "acme" holds "Acme Europe SAS" and not "Acme Holdings Ltd"
    And an integration key of "acme" limited to entity group "Europe"
    Then the key lists exactly "Acme Europe SAS" of "acme" and gets 404 reading "Acme Holdings Ltd"

  Scenario: A refused LEI names no entity outside the caller's entity groups
    Given entity group "Europe" of "acme" holds "Acme Europe SAS" and not "Acme Holdings Ltd"
    And "Acme Holdings Ltd" of "acme" holds the LEI "5493001KJTIIGC8Y1R12"
    And an editor's key of "acme" limited to entity group "Europe"
    When the key gives "Acme Europe SAS" of "acme" the LEI "5493001KJTIIGC8Y1R12"
    Then the response status is 422 naming "lei" without the id of "Acme Holdings Ltd"
