corpus-v1-000077Z
admin	admin-pw2