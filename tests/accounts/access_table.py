from tests.access import ANY_USER, PUBLIC, REGULATOR, R

# 实名核验: staff who meet the person and the document face to face.
IDENTITY_STAFF = {R.INSTITUTION_STAFF, R.CENTRE_STAFF, R.PROCTOR}

ACCESS = {
    "accounts.login": PUBLIC,
    "accounts.register": PUBLIC,
    "accounts.logout": ANY_USER,
    "accounts.change_password": ANY_USER,
    "accounts.home": ANY_USER,
    "admin.organizations": REGULATOR,
    "admin.organization_new": REGULATOR,
    "admin.organization_edit": REGULATOR,
    "admin.organization_members": REGULATOR,
    "admin.users": REGULATOR,
    "admin.user_new": REGULATOR,
    "admin.user_detail": REGULATOR,
    "admin.user_edit": REGULATOR,
    "admin.user_grant": REGULATOR,
    "admin.user_revoke": REGULATOR,
    "admin.user_set_active": REGULATOR,
    "admin.user_reset_password": REGULATOR,
    "admin.user_unlock_login": REGULATOR,
    "admin.audit_log": REGULATOR,
    "identity.check": IDENTITY_STAFF,
    "identity.verify": IDENTITY_STAFF,
    "identity.set_aside": IDENTITY_STAFF,
    "identity.record_education": IDENTITY_STAFF,
}
