corpus-v1-000002Z
adminadmin-pw