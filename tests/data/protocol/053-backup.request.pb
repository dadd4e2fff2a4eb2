corpus-v1-000053 ±rº\–ÿ‡oÄSh­é9…våäã|tbê8»nimª
corpus-backup