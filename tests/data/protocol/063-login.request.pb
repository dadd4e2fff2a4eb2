corpus-v1-000063Z
admin	admin-pw2