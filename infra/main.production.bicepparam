// Parameters for production: the app and the data services on a private network, Front Door with its WAF in front
// of the app. `az deployment group create --template-file infra/main.bicep --parameters
// infra/main.production.bicepparam`, with AZURE_ENV_NAME, VERIFIEDID_AUTHORITY and PORTAL_ORIGIN exported.
using 'main.bicep'

param environmentName = readEnvironmentVariable('AZURE_ENV_NAME', 'prod')
param location = readEnvironmentVariable('AZURE_LOCATION', 'uksouth')
param tags = { service: 'staff-passport-sharing' }

param verifiedIdAuthority = readEnvironmentVariable('VERIFIEDID_AUTHORITY')
param corsAllowedOrigins = [readEnvironmentVariable('PORTAL_ORIGIN')]

param cosmosCapacityMode = 'Serverless'
param instanceMemoryMB = 2048
param maximumInstanceCount = 100

param operatorPrincipalId = readEnvironmentVariable('AZURE_PRINCIPAL_ID', '')
param operatorPrincipalType = readEnvironmentVariable('AZURE_PRINCIPAL_TYPE', 'User')
param keyVaultCreateMode = readEnvironmentVariable('KEY_VAULT_CREATE_MODE', 'default')

param enableNetworkIsolation = true
param enableFrontDoor = true
// Microsoft's managed rule sets need Front Door Premium: turn on once its cost is agreed.
param enableWafManagedRules = bool(readEnvironmentVariable('ENABLE_WAF_MANAGED_RULES', 'false'))

param logRetentionInDays = 90
param logDailyCapGb = 10

// OpenID4VP for standard wallets: the verifier certificate of the request key (`npm run keys -- csr`, issued by a CA
// the wallets trust) and the SD-JWT VC issuers' roots, each PEM, set with `azd env set`. Empty: Verified ID only.
param openid4vpCertificateChain = readEnvironmentVariable('OPENID4VP_CERTIFICATE_CHAIN', '')
param openid4vpIssuerRoots = readEnvironmentVariable('OPENID4VP_ISSUER_ROOTS', '')

// Where alerts go: an existing action group's resource id (`azd env set ALERT_ACTION_GROUP_ID ...`) and/or an address
// to e-mail them to. Both empty: the alerts fire and show in the portal only.
param alertActionGroupId = readEnvironmentVariable('ALERT_ACTION_GROUP_ID', '')
param alertEmail = readEnvironmentVariable('ALERT_EMAIL', '')
