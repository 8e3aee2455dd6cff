// Parameters for a dev environment or a quick trial: public endpoints, no Front Door. azd sets AZURE_ENV_NAME,
// AZURE_LOCATION, AZURE_PRINCIPAL_ID and AZURE_PRINCIPAL_TYPE; with the Azure CLI, export them (and the others)
// before `az deployment group create`.
using 'main.bicep'

param environmentName = readEnvironmentVariable('AZURE_ENV_NAME', 'dev')
param location = readEnvironmentVariable('AZURE_LOCATION', 'uksouth')
param tags = { service: 'staff-passport-sharing' }

param verifiedIdAuthority = readEnvironmentVariable('VERIFIEDID_AUTHORITY', 'did:web:verifier.dev.staffpassport.example')
param corsAllowedOrigins = [readEnvironmentVariable('PORTAL_ORIGIN', 'http://localhost:5173')]

param cosmosCapacityMode = 'Serverless'
param serviceBusSku = 'Standard'
param instanceMemoryMB = 2048
param maximumInstanceCount = 40

// The one who runs `azd up`: a person at a workstation (User) or a pipeline's service principal.
param operatorPrincipalId = readEnvironmentVariable('AZURE_PRINCIPAL_ID', '')
param operatorPrincipalType = readEnvironmentVariable('AZURE_PRINCIPAL_TYPE', 'User')
// `azd env set KEY_VAULT_CREATE_MODE recover` after `azd down`, while the deleted vault is kept (90 days).
param keyVaultCreateMode = readEnvironmentVariable('KEY_VAULT_CREATE_MODE', 'default')

// Off for a trial; `azd env set ENABLE_NETWORK_ISOLATION true` (and ENABLE_FRONT_DOOR) to deploy as production does.
param enableNetworkIsolation = bool(readEnvironmentVariable('ENABLE_NETWORK_ISOLATION', 'false'))
param enableFrontDoor = bool(readEnvironmentVariable('ENABLE_FRONT_DOOR', 'false'))
param logDailyCapGb = 1

// OpenID4VP for standard wallets: the verifier certificate of the request key (`npm run keys -- csr`, issued by a CA
// the wallets trust) and the SD-JWT VC issuers' roots, each PEM, set with `azd env set`. Empty: Verified ID only.
param openid4vpCertificateChain = readEnvironmentVariable('OPENID4VP_CERTIFICATE_CHAIN', '')
param openid4vpIssuerRoots = readEnvironmentVariable('OPENID4VP_ISSUER_ROOTS', '')

// Where alerts go: an existing action group's resource id (`azd env set ALERT_ACTION_GROUP_ID ...`) and/or an address
// to e-mail them to. Both empty: the alerts fire and show in the portal only.
param alertActionGroupId = readEnvironmentVariable('ALERT_ACTION_GROUP_ID', '')
param alertEmail = readEnvironmentVariable('ALERT_EMAIL', '')
