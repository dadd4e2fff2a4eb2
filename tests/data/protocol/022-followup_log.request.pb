corpus-v1-000022 "j9[>QΒ›γ5ΤώZέz=Θg@Ήώ«j›ϋ'KβY
W@HRι™εjζ¥δ»·ζ²ι€x‚*send the quote@€τ•follow up on the quote€τ•